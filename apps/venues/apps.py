from django.apps import AppConfig


class VenuesConfig(AppConfig):
    name = "apps.venues"
    label = "venues"
