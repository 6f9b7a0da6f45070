from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.gis.admin import GISModelAdmin

from apps.accounts.models import Interest, InterestCategory, Profile, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ("email",)
    list_display = ("email", "is_active", "is_staff", "date_joined", "last_login")
    list_filter = ("is_active", "is_staff", "is_superuser")
    search_fields = ("email",)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


@admin.register(Profile)
class ProfileAdmin(GISModelAdmin):
    list_display = (
        "display_name",
        "user",
        "area_label",
        "open_to_meet",
        "group_size",
        "onboarded_at",
    )
    list_filter = ("open_to_meet", "group_size")
    search_fields = ("display_name", "user__email", "area_label")
    raw_id_fields = ("user",)
    filter_horizontal = ("interests",)


class InterestInline(admin.TabularInline):
    model = Interest
    extra = 0
    prepopulated_fields = {"slug": ("name",)}


@admin.register(InterestCategory)
class InterestCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    inlines = [InterestInline]


@admin.register(Interest)
class InterestAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "category")
    list_filter = ("category",)
    search_fields = ("name", "slug")
