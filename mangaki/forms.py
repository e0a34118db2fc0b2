"""Forms of the pages: catalogue filters, sign up, profile settings, deleting an account."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm

from .models import Profile
from .querysets import WORK_ORDERINGS, ordering_or_default
from .services.accounts import account_password_confirms
from .services.guests import GUEST_PREFIX, is_guest


class CatalogueForm(forms.Form):
    """The catalogue's query string: search, filters and sort. Invalid values are ignored."""

    q = forms.CharField(label="Search titles", required=False, max_length=100)
    sort = forms.ChoiceField(
        choices=[(name, ordering.label) for name, ordering in WORK_ORDERINGS.items()], required=False
    )
    genre = forms.ChoiceField(required=False)
    type = forms.ChoiceField(required=False)

    def __init__(self, *args, genres: list[tuple[str, str]], types: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["genre"].choices = [("", "All genres"), *genres]
        self.fields["type"].choices = [("", "All types"), *((t, t) for t in types)]

    def cleaned(self) -> dict[str, str]:
        """The valid values, with defaults for anything missing or invalid.

        The sort is one of ``WORK_ORDERINGS``, the API's orderings: best match first for a
        search unless another is asked for, else most popular (``ordering_or_default``).
        """
        values = {"q": "", "sort": "", "genre": "", "type": ""}
        if self.is_bound:
            self.is_valid()
            for name in values:
                if name not in self.errors and self.cleaned_data.get(name):
                    values[name] = self.cleaned_data[name].strip()
        values["sort"] = ordering_or_default(values["sort"], searching=bool(values["q"]))
        return values


class SignupForm(UserCreationForm):
    email = forms.EmailField(required=False, help_text="Only to reset your password if you forget it.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def clean_username(self):
        # Django's check of a name taken in another case records its error on the form and
        # returns None rather than raising: then there is no name to check further.
        username = super().clean_username()
        if username is None:
            return None
        if username.lower().startswith(GUEST_PREFIX):
            raise forms.ValidationError(f"Usernames starting with “{GUEST_PREFIX}” are reserved.")
        return username


class ProfileSettingsForm(forms.ModelForm):
    class Meta:
        model = Profile
        fields = ("nsfw_ok", "is_shared")
        labels = {"nsfw_ok": "Show NSFW works", "is_shared": "Others may see my profile and ratings"}
        help_texts = {
            "nsfw_ok": "Works marked not safe for work stay hidden everywhere unless this is on.",
        }


class AccountDeleteForm(forms.Form):
    """Confirms deleting the account with its password; a guest account has none to give."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To confirm that it is you.",
    )

    def __init__(self, *args, user, request, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.request = user, request
        if is_guest(user):
            del self.fields["password"]

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        # Wrong passwords count toward the sign-in lockout, as on the login page.
        if not account_password_confirms(request=self.request, user=self.user, password=password):
            raise forms.ValidationError("That is not your password.", code="password_incorrect")
        return password


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Your MyAnimeList export",
        help_text="The animelist_….xml.gz or mangalist_….xml.gz file MyAnimeList gives you "
        "(plain .xml works too).",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xml,.gz,application/xml,text/xml,application/gzip"}
        ),
    )
