"""Vocabulary shared by people (which venues they like) and venues (what they are)."""

from django.db import models


class VenueKind(models.TextChoices):
    CAFE = "cafe", "Café"
    BOOKSTORE = "bookstore", "Bookstore"
    BAR = "bar", "Bar"
    LIBRARY = "library", "Library"
    TEA_HOUSE = "tea_house", "Tea house"
    BOARD_GAME_CAFE = "board_game_cafe", "Board-game café"
