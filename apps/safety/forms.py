from typing import Any

from django import forms

from apps.safety.models import Report

MAX_ID = 2**63 - 1


class BlockForm(forms.Form):
    user_id = forms.IntegerField(min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)


class ReportForm(forms.Form):
    user_id = forms.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, widget=forms.HiddenInput
    )
    event_id = forms.IntegerField(
        min_value=1, max_value=MAX_ID, required=False, widget=forms.HiddenInput
    )
    reason = forms.ChoiceField(
        label="What is the problem?",
        choices=[("", "Choose a reason"), *Report.Reason.choices],
    )
    details = forms.CharField(
        label="What happened? (optional)",
        help_text="Only our moderators read this. The person is not told who reported them.",
        required=False,
        max_length=Report.DETAILS_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("user_id") is None) == (cleaned.get("event_id") is None):
            raise forms.ValidationError(
                "Report either a person or an event.", code="report_target_required"
            )
        return cleaned
