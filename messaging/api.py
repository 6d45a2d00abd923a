from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from biostat.api import Pagination

from . import selectors, services
from .models import BODY_MAX_LENGTH, Message
from .throttling import SCOPE, MessageSendThrottle, throttled_message


class ContextSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=Message.ContextType.choices)
    id = serializers.IntegerField(min_value=1)


class ContextLinkSerializer(ContextSerializer):
    url = serializers.CharField()


class MessageInputSerializer(serializers.Serializer):
    recipient = serializers.CharField(
        max_length=150, required=False, help_text="Username; a reply defaults to the other participant."
    )
    body = serializers.CharField(max_length=BODY_MAX_LENGTH, trim_whitespace=False, allow_blank=True)
    parent = serializers.IntegerField(required=False, allow_null=True, help_text="The message replied to.")
    context = ContextSerializer(required=False, allow_null=True)

    def validate_recipient(self, username):
        recipient = selectors.active_recipient_get(username)
        if recipient is None:
            raise serializers.ValidationError(f"No active user named {username!r}.")
        return recipient

    def validate_parent(self, pk):
        if pk is None:
            return None
        try:
            return selectors.message_get(self.context["request"].user, pk)
        except Http404:
            raise serializers.ValidationError(f"No message {pk} in your conversations.") from None

    def validate(self, data):
        if "recipient" not in data:
            parent = data.get("parent")
            if parent is None:
                raise serializers.ValidationError({"recipient": "This field is required."})
            data["recipient"] = parent.counterpart(self.context["request"].user)
        return data


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.username")
    recipient = serializers.CharField(source="recipient.username")
    thread = serializers.IntegerField(source="conversation_id", help_text="The conversation's first message.")
    context = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "sender", "recipient", "body", "is_read", "sent_at", "parent", "thread", "context"]

    @extend_schema_field(ContextLinkSerializer(allow_null=True))
    def get_context(self, message):
        """The context link, only for a reader who may see the object (``links`` from the view)."""
        return self.context["links"].get(message.pk)


class MessageDetailSerializer(MessageSerializer):
    conversation = serializers.SerializerMethodField()

    class Meta(MessageSerializer.Meta):
        fields = [*MessageSerializer.Meta.fields, "conversation"]

    @extend_schema_field(MessageSerializer(many=True))
    def get_conversation(self, message):
        return MessageSerializer(self.context["conversation"], many=True, context=self.context).data


def _detail(user, message):
    conversation = list(selectors.thread_messages(user, message))  # includes ``message`` itself
    links = selectors.context_links(user, conversation)
    return MessageDetailSerializer(message, context={"links": links, "conversation": conversation}).data


def _truthy(name, value):
    if value in (None, "", "false", "0", "no"):
        return False
    if value in ("true", "1", "yes"):
        return True
    raise exceptions.ValidationError({name: f"Expected true or false, got {value!r}."})


class MessageListApi(APIView):
    pagination_class = Pagination  # the schema documents the paginated envelope from it
    throttle_classes = [MessageSendThrottle]
    throttle_scope = SCOPE

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "box", enum=["inbox", "sent"], description="Received (default) or sent messages."
            ),
            OpenApiParameter("unread", bool, description="Only messages not read yet."),
        ],
        responses=MessageSerializer(many=True),
    )
    def get(self, request):
        box = request.query_params.get("box") or "inbox"
        if box not in ("inbox", "sent"):
            raise exceptions.ValidationError({"box": f"Expected inbox or sent, got {box!r}."})
        unread = _truthy("unread", request.query_params.get("unread"))
        paginator = Pagination()
        page = paginator.paginate_queryset(
            selectors.message_list(request.user, box=box, unread=unread), request
        )
        links = selectors.context_links(request.user, page)
        return paginator.get_paginated_response(
            MessageSerializer(page, many=True, context={"links": links}).data
        )

    @extend_schema(request=MessageInputSerializer, responses={201: MessageDetailSerializer})
    def post(self, request):
        serializer = MessageInputSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        context = data.get("context") or {}
        try:
            message = services.message_send(
                sender=request.user,
                recipient=data["recipient"],
                body=data["body"],
                parent=data.get("parent"),
                context_type=context.get("type", ""),
                context_id=context.get("id"),
                request=request,
            )
        except DjangoValidationError as error:
            raise exceptions.ValidationError(error.message_dict) from None
        return Response(_detail(request.user, message), status=status.HTTP_201_CREATED)

    def throttled(self, request, wait):
        raise exceptions.Throttled(wait=wait, detail=throttled_message())


class MessageDetailApi(APIView):
    @extend_schema(responses=MessageDetailSerializer)
    def get(self, request, pk):
        message = selectors.message_get(request.user, pk)
        return Response(_detail(request.user, message))


class MessageReadApi(APIView):
    @extend_schema(request=None, responses=MessageSerializer)
    def post(self, request, pk):
        message = selectors.received_message_get(request.user, pk)
        services.messages_mark_read(user=request.user, messages=[message], request=request)
        links = selectors.context_links(request.user, [message])
        return Response(MessageSerializer(message, context={"links": links}).data)
