"""Forms of the auditor's pages."""

from __future__ import annotations

from django import forms

from audit.checkpoints import parse_checkpoint


class VerifyForm(forms.Form):
    checkpoint = forms.CharField(
        required=False,
        label="Checkpoint you kept (optional)",
        widget=forms.TextInput(attrs={"placeholder": "POSITION:HASH from the checkpoint mail"}),
    )

    def clean_checkpoint(self) -> tuple[int, str] | None:
        value = self.cleaned_data["checkpoint"].strip()
        if not value:
            return None
        try:
            return parse_checkpoint(value)
        except ValueError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
