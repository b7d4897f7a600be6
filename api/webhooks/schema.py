"""The webhook events in the OpenAPI schema (the ``webhooks`` section of OpenAPI 3.1).

``SPECTACULAR_SETTINGS["WEBHOOKS"]`` lists the objects below, so a receiver can generate its
types from ``/api/v1/schema/``. Keep them in step with ``payloads``; the contract tests check
every payload the portal sends against these.
"""

from drf_spectacular.utils import OpenApiWebhook, extend_schema
from rest_framework import serializers

from ketenmachtigingen.constants import Status

from ..constants import WebhookEvent


class RelatieSerializer(serializers.Serializer):
    naam = serializers.CharField(help_text="The company's name.")
    kvk_nummer = serializers.CharField(allow_null=True, help_text="KvK number (8 digits).")
    rsin = serializers.CharField(allow_null=True, help_text="Fiscal number, when no KvK number.")


class EventDataSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The ketenmachtiging's id in the API.")
    kenmerk = serializers.CharField(help_text="The platform's reference (KM-…).")
    status = serializers.ChoiceField(choices=Status.choices, help_text="The status now.")
    relatie = RelatieSerializer()
    einddatum = serializers.DateField(allow_null=True, help_text="End of the term, if known.")
    url = serializers.URLField(help_text="The ketenmachtiging in the API.")


class StatusChangedDataSerializer(EventDataSerializer):
    old_status = serializers.ChoiceField(choices=Status.choices)
    new_status = serializers.ChoiceField(choices=Status.choices)


class EndedDataSerializer(StatusChangedDataSerializer):
    pass


class RenewalDueDataSerializer(EventDataSerializer):
    pass


class ExpiringDataSerializer(EventDataSerializer):
    days_left = serializers.IntegerField(help_text="Days until the end date.")


class InvitationLapsingDataSerializer(EventDataSerializer):
    deadline = serializers.DateField(help_text="The invitation lapses after this date.")


class TestDataSerializer(serializers.Serializer):
    message = serializers.CharField()


def _envelope(name: str, event: WebhookEvent, data, summary: str) -> type[serializers.Serializer]:
    # The description is the English summary: the event's label would be translated into
    # whatever language is active when this module is first imported.
    return type(
        name,
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=[event.value]),
            "timestamp": serializers.DateTimeField(
                help_text="When the event happened (UTC); the same on every retry."
            ),
            "data": data(),
            "__doc__": summary,
        },
    )


def _webhook(event: WebhookEvent, data, summary: str) -> OpenApiWebhook:
    name = "".join(part.title() for part in event.value.replace(".", "_").split("_")) + "Event"
    return OpenApiWebhook(
        name=event.value,
        decorator=extend_schema(
            summary=summary,
            description=(
                "Signed per Standard Webhooks: verify `webhook-signature` over "
                "`webhook-id.webhook-timestamp.body` with the endpoint's secret; `webhook-id` "
                "is the same on every retry of one event (deduplicate on it). Answer 2xx "
                "within 5 seconds."
            ),
            request=_envelope(name, event, data, summary),
            responses={200: None},
        ),
    )


created = _webhook(
    WebhookEvent.CREATED,
    EventDataSerializer,
    "A ketenmachtiging was created (requested, registered, granted or a renewal).",
)
status_changed = _webhook(
    WebhookEvent.STATUS_CHANGED, StatusChangedDataSerializer, "A ketenmachtiging's status changed."
)
renewal_due = _webhook(
    WebhookEvent.RENEWAL_DUE,
    RenewalDueDataSerializer,
    "A ketenmachtiging ends within 3 months: request its renewal.",
)
expiring = _webhook(
    WebhookEvent.EXPIRING, ExpiringDataSerializer, "A ketenmachtiging expires within 30 days."
)
ended = _webhook(
    WebhookEvent.ENDED,
    EndedDataSerializer,
    "An active ketenmachtiging ended (ended by someone, or expired).",
)
invitation_lapsing = _webhook(
    WebhookEvent.INVITATION_LAPSING,
    InvitationLapsingDataSerializer,
    "An invitation lapses within 14 days without an answer.",
)
test = _webhook(WebhookEvent.TEST, TestDataSerializer, "A test event, sent on request.")
