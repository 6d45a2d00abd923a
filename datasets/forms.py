"""Forms of the dataset pages. They check the shape of the input; the services decide the rest."""

from django import forms

from . import permissions, selectors
from .services import COLUMN_TEXT_LIMITS

FILE_HELP = "CSV, TSV, XLSX (first sheet), Parquet, or JSON (a list of objects)."


class VersionUploadForm(forms.Form):
    file = forms.FileField(help_text=FILE_HELP)
    note = forms.CharField(
        max_length=500, required=False, label="Version note", help_text="What changed, for the version list."
    )


class DatasetCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    file = forms.FileField(help_text=FILE_HELP)
    note = forms.CharField(max_length=500, required=False, label="Version note")


class DatasetEditForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)


class ColumnForm(forms.Form):
    label = forms.CharField(max_length=COLUMN_TEXT_LIMITS["label"], required=False)
    unit = forms.CharField(max_length=COLUMN_TEXT_LIMITS["unit"], required=False)
    description = forms.CharField(max_length=COLUMN_TEXT_LIMITS["description"], required=False)


class ShareForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("user", "User"), ("group", "Group")],
        initial="user",
        widget=forms.RadioSelect,
        label="Share with",
    )
    name = forms.CharField(max_length=150, label="Username or group name")
    permissions = forms.MultipleChoiceField(
        choices=[(short, short) for short in permissions.SHORT_NAMES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="The complete set for this user or group; none revokes every permission.",
    )

    def clean(self):
        cleaned = super().clean()
        kind, name = cleaned.get("kind"), cleaned.get("name")
        if kind and name:
            cleaned["principal"] = selectors.principal_named(**{kind: name})
            if cleaned["principal"] is None:
                self.add_error("name", f"No {kind} named {name!r}.")
        return cleaned


class DiffForm(forms.Form):
    from_version = forms.IntegerField(min_value=1, label="From version")
    to_version = forms.IntegerField(min_value=1, label="To version")
