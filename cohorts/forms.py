"""Forms of the cohort pages. They check the shape of the input; the services decide the rest."""

import re

from django import forms

from .selectors import datasets_analyzable_by
from .services import NAME_MAX_LENGTH

CRITERIA_HELP = (
    'For example: age >= 65 and sex == "F" and stage in ("III", "IV") and not is_null(bmi). '
    "Empty criteria select every row."
)
MEMBERS_HELP = (
    "Usernames of collaborators, separated by commas or spaces. Each needs 'analyze' on the dataset."
)


class DatasetChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, dataset):
        return f"{dataset.name} (version {dataset.version})"


class CohortForm(forms.Form):
    """Creates a cohort (with ``dataset``) or edits one (``cohort`` given: the dataset is fixed).
    ``can_manage`` False leaves out the members, which only the creator may change."""

    dataset = DatasetChoiceField(queryset=None, empty_label="Choose a dataset")
    name = forms.CharField(max_length=NAME_MAX_LENGTH)
    # Not stripped: error positions point into the text exactly as written.
    criteria = forms.CharField(
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "class": "criteria",
                "spellcheck": "false",
                "autocomplete": "off",
                "aria-describedby": "criteria-help criteria-problem",
            }
        ),
        required=False,
        strip=False,
        help_text=CRITERIA_HELP,
    )
    members = forms.CharField(required=False, max_length=5000, help_text=MEMBERS_HELP)

    def __init__(self, *args, user, editing=False, can_manage=True, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["dataset"]
        else:
            self.fields["dataset"].queryset = datasets_analyzable_by(user).order_by("name", "pk")
        if not can_manage:
            del self.fields["members"]

    def clean_members(self):
        return [name for name in re.split(r"[\s,]+", self.cleaned_data["members"]) if name]
