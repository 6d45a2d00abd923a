from django import forms

from . import selectors
from .models import BODY_MAX_LENGTH, Message


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Message",
        max_length=BODY_MAX_LENGTH,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Plain text, at most {BODY_MAX_LENGTH} characters.",
    )


class ComposeForm(ReplyForm):
    recipient = forms.CharField(
        label="To",
        max_length=150,
        help_text="The recipient's username.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "list": "recipient-suggestions", "data-recipient-autocomplete": ""}
        ),
    )
    context_type = forms.ChoiceField(
        choices=Message.ContextType.choices, required=False, widget=forms.HiddenInput
    )
    context_id = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)

    field_order = ["recipient", "body"]

    def clean_recipient(self):
        username = self.cleaned_data["recipient"].strip()
        recipient = selectors.active_recipient_get(username)
        if recipient is None:
            raise forms.ValidationError(f"No active user named {username!r}.")
        return recipient

    def clean(self):
        data = super().clean()
        if bool(data.get("context_type")) != (data.get("context_id") is not None):
            raise forms.ValidationError("The message's subject is incomplete; start again from its page.")
        return data
