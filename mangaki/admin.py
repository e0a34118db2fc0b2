"""Admin for the catalogue and the ratings, usable on hundreds of thousands of rows."""

from django import forms
from django.contrib import admin, messages

from .choices import COUNTER_FIELDS
from .models import Category, Profile, Rating, Tag, TaggedWork, TrainedModel, Work
from .services.ratings import rating_delete
from .services.works import works_confirm
from .titles import clean_title


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("slug", "name")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("title", "slug")
    search_fields = ("title", "slug")


class TaggedWorkInline(admin.TabularInline):
    model = TaggedWork
    extra = 0
    autocomplete_fields = ("tag",)


class WaitingListFilter(admin.SimpleListFilter):
    """The confirmation queue: works first seen in a member's import, not public yet."""

    title = "confirmation"
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return [("yes", "Waiting for confirmation"), ("no", "Confirmed")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(confirmed=False)
        if self.value() == "no":
            return queryset.filter(confirmed=True)
        return queryset


class WorkForm(forms.ModelForm):
    def clean_title(self):
        title = clean_title(self.cleaned_data.get("title"))
        if not title:
            raise forms.ValidationError("A title is needed (format characters alone are removed).")
        return title


@admin.register(Work)
class WorkAdmin(admin.ModelAdmin):
    form = WorkForm
    list_display = (
        "title",
        "category",
        "work_type",
        "nb_episodes",
        "nb_ratings",
        "nb_likes",
        "nb_dislikes",
        "nsfw",
        "confirmed",
        "added_by",
    )
    list_filter = (WaitingListFilter, "category", "work_type", "nsfw")
    list_select_related = ("category", "added_by")
    search_fields = ("title", "external_id")
    # The counters are the rating service's to keep exact; confirming is the "Confirm" action's
    # (services.works), which also forgets the importer. Staff may edit the title first.
    readonly_fields = (
        *COUNTER_FIELDS.values(),
        "nb_ratings",
        "sum_ratings",
        "controversy",
        "date_added",
        "confirmed",
        "added_by",
    )
    inlines = [TaggedWorkInline]
    show_full_result_count = False
    actions = ["confirm"]

    @admin.action(description="Confirm the selected works (make them public with their current title)")
    def confirm(self, request, queryset):
        confirmed = works_confirm(works=queryset)
        self.message_user(request, f"{confirmed} work(s) confirmed: they are public now.", messages.SUCCESS)


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ("user", "work", "choice", "date")
    list_filter = ("choice", "work__category")
    list_select_related = ("user", "work")
    search_fields = ("user__username", "work__title")
    raw_id_fields = ("user", "work")
    date_hierarchy = None
    show_full_result_count = False
    # Counting 420k rows for the paginator on every page is the slow part: skip the total.
    list_per_page = 50

    def has_change_permission(self, request, obj=None):
        # Ratings change through the rating service, which keeps the work counters exact.
        return False

    def has_add_permission(self, request):
        return False

    def delete_model(self, request, obj):
        rating_delete(user=obj.user, work=obj.work)

    def delete_queryset(self, request, queryset):
        for rating in queryset.select_related("user", "work"):
            rating_delete(user=rating.user, work=rating.work)


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "nsfw_ok", "is_shared")
    list_filter = ("nsfw_ok", "is_shared")
    list_select_related = ("user",)
    search_fields = ("user__username",)
    raw_id_fields = ("user",)


@admin.register(TrainedModel)
class TrainedModelAdmin(admin.ModelAdmin):
    """The model registry: read-only rows; activation goes through the registry service."""

    list_display = (
        "algorithm",
        "version",
        "status",
        "is_active",
        "rmse",
        "nb_ratings",
        "train_seconds",
        "created",
    )
    list_filter = ("algorithm", "status", "is_active")
    ordering = ("algorithm", "-version")
    actions = ["activate"]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in TrainedModel._meta.fields]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Activate the selected version (one per algorithm)")
    def activate(self, request, queryset):
        from django.core.exceptions import ValidationError

        from .recommendations.registry import model_activate

        for row in queryset:
            try:
                model_activate(trained_model=row)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(request, f"{row} is now active.", messages.SUCCESS)
