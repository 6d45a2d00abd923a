"""The analysis form, built from the chosen method's JSON Schema and the cohort's
data dictionary: variables are picked from the columns of the types the method accepts."""

from django import forms

from cohorts.selectors import cohort_columns


class MethodChoiceForm(forms.Form):
    cohort = forms.TypedChoiceField(coerce=int, label="Cohort")
    analysis_type = forms.ChoiceField(label="Method")

    def __init__(self, *args, cohorts, methods, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"].choices = [
            (c.pk, f"{c.name} ({c.dataset.name} v{c.dataset_version})") for c in cohorts
        ]
        self.fields["analysis_type"].choices = [(m.name, m.label) for m in methods]


def _variable_choices(columns, accepted):
    return [
        (name, f"{entry.get('label') or name} ({entry['type']})")
        for name, entry in columns.items()
        if not accepted or entry["type"] in accepted
    ]


def _field(name, spec, required, columns, accepted):
    label = spec.get("title") or name.replace("_", " ").capitalize()
    help_text = spec.get("description", "")
    if accepted is not None:
        choices = _variable_choices(columns, accepted)
        if spec.get("type") == "array":
            return forms.MultipleChoiceField(
                label=label,
                choices=choices,
                required=required,
                help_text=help_text,
                widget=forms.SelectMultiple,
            )
        return forms.ChoiceField(
            label=label, choices=[("", "---------"), *choices], required=required, help_text=help_text
        )
    if "enum" in spec:
        choices = [(value, value) for value in spec["enum"]]
        return forms.ChoiceField(label=label, choices=choices, required=required, initial=spec.get("default"))
    if spec.get("type") == "boolean":
        return forms.BooleanField(label=label, required=False, initial=spec.get("default", False))
    if spec.get("type") in ("number", "integer"):
        field = forms.FloatField if spec["type"] == "number" else forms.IntegerField
        return field(label=label, required=required, initial=spec.get("default"), help_text=help_text)
    return forms.CharField(label=label, required=required, initial=spec.get("default"), help_text=help_text)


class ParametersForm(forms.Form):
    def __init__(self, *args, method, cohort, **kwargs):
        super().__init__(*args, **kwargs)
        self.method = method
        columns = cohort_columns(cohort)
        required = set(method.parameters.get("required", []))
        for name, spec in method.parameters.get("properties", {}).items():
            accepted = method.variable_types.get(name)
            self.fields[name] = _field(name, spec, name in required, columns, accepted)

    def parameters(self):
        """The cleaned values as the method's parameters, leaving out empty optional ones."""
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "", [])}
