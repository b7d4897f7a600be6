"""Forms of the groepen app."""

from django import forms
from django.utils.translation import gettext_lazy as _


class GroepNaamForm(forms.Form):
    naam = forms.CharField(
        label=_("Group name"),
        max_length=100,
        help_text=_("Every group needs a unique name."),
        error_messages={"required": _("Enter a name for the group.")},
    )


class LedenToevoegenForm(forms.Form):
    """Members to add; the choices are the organisation's users who are not in the group yet, so
    an id of anyone else is an invalid choice."""

    leden = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Users"),
        error_messages={
            "required": _("Choose at least one user."),
            "invalid_choice": _("One of the chosen users cannot be added to this group."),
            "invalid_pk_value": _("One of the chosen users cannot be added to this group."),
        },
    )

    def __init__(self, *args, candidates, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["leden"].queryset = candidates


class GroepScopeSoortForm(forms.Form):
    ALGEMEEN = "algemeen"
    BEPERKT = "beperkt"
    soort = forms.ChoiceField(
        label=_("Allowed services"),
        choices=[
            (ALGEMEEN, _("General authority")),
            (BEPERKT, _("Restrict allowed services")),
        ],
        widget=forms.RadioSelect,
        help_text=_(
            "Choose the services for which this group may log in on behalf of a client that "
            "granted a ketenmachtiging."
        ),
    )
