from django import forms

REASONS = [
    ("", "No reason given"),
    ("time", "The time doesn’t work for me"),
    ("place", "The place doesn’t suit me"),
    ("people", "Not this group"),
    ("busy", "I’m too busy this week"),
]


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(
        choices=REASONS,
        required=False,
        label="Why not? (optional, only MatchUp sees it)",
    )

    def clean_reason(self) -> str:
        key = self.cleaned_data["reason"]
        return dict(REASONS)[key] if key else ""
