from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from .models import User


class SignupForm(forms.Form):
    """The signup page's fields. The rules on their values (username characters and
    uniqueness, password strength) live in ``services.user_register``, whose errors are
    attached to these same field names."""

    username = auth_forms.UsernameField(
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    # A CharField, so that a malformed address is reported by the service together with
    # any other problem; the browser still checks the format first.
    email = forms.CharField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label="Password (again)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password, confirm = cleaned.get("password"), cleaned.get("password_confirm")
        if password and confirm and password != confirm:
            self.add_error("password_confirm", "The two passwords do not match.")
        return cleaned


class UserCreationForm(auth_forms.AdminUserCreationForm):
    """Django admin: Django's creation form bound to Biostat's user model, with the role."""

    class Meta(auth_forms.AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email", "role")


class UserChangeForm(auth_forms.UserChangeForm):
    class Meta(auth_forms.UserChangeForm.Meta):
        model = User
