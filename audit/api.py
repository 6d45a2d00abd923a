"""REST API for the audit log: the filtered list and the chain verification."""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .models import AuditLog
from .selectors import audit_log_list
from .verify import verify_chain


def _max_length(field):
    return AuditLog._meta.get_field(field).max_length


def _filter(field, help_text):
    # Blank means "no filter", as a form submitted with an empty box says.
    return serializers.CharField(
        required=False, allow_blank=True, max_length=_max_length(field), help_text=help_text
    )


class AuditLogFilterSerializer(serializers.Serializer):
    entity_type = _filter("entity_type", "e.g. dataset, cohort, analysis, user")
    entity_id = _filter("entity_id", "The entity's id.")
    actor = _filter("actor_username", "The acting user's username.")
    action = _filter("action", "e.g. dataset.create")


class AuditLogSerializer(serializers.ModelSerializer):
    actor = serializers.SerializerMethodField(help_text="The acting user's username; null for the system.")

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "created_at",
            "actor",
            "action",
            "entity_type",
            "entity_id",
            "summary",
            "payload",
            "ip",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields

    def get_actor(self, entry) -> str | None:
        # The stored username, which outlives the user and is part of the hashed entry.
        return entry.actor_username or None


class ChainVerificationSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    entries = serializers.IntegerField(help_text="Entries walked.")
    first_bad_id = serializers.IntegerField(
        allow_null=True, help_text="The first entry that fails the check; null when none does."
    )


class AuditLogListView(generics.ListAPIView):
    serializer_class = AuditLogSerializer

    @extend_schema(
        summary="List audit entries",
        description="Newest first. Stewards and admins see every entry; others see the entries they "
        "performed and those about objects they own.",
        parameters=[AuditLogFilterSerializer],
        responses={
            200: AuditLogSerializer(many=True),
            400: OpenApiResponse(description="A filter is too long; `detail` names it."),
        },
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        filters = AuditLogFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return audit_log_list(user=self.request.user, **filters.validated_data)


class AuditVerifyView(APIView):
    @extend_schema(
        summary="Verify the audit hash chain",
        description="Admins only (others get 404). Walks the whole chain and names the first broken entry.",
        responses={
            200: ChainVerificationSerializer,
            404: OpenApiResponse(description="The caller is not an admin."),
        },
    )
    def get(self, request):
        if not request.user.is_admin:
            raise exceptions.NotFound()
        return Response(verify_chain().as_dict())
