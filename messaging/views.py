from math import ceil

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import contexts, selectors, services
from .forms import ComposeForm, ReplyForm
from .throttling import page_send_wait, throttled_message

PAGE_SIZE = 50


def _box(request, box):
    # Unread first, so nothing new hides on page two.
    found = selectors.message_list(request.user, box=box).order_by("is_read", "-sent_at", "-id")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "messaging/box.html", {"box": box, "page_obj": page})


@login_required
def inbox(request):
    return _box(request, "inbox")


@login_required
def sent(request):
    return _box(request, "sent")


def _send(request, form, **fields):
    """Send through the service: ``(message, None)``, or ``(None, status)`` with the
    reasons put on ``form``."""
    wait = page_send_wait(request)
    if wait is not None:
        form.add_error(None, f"{throttled_message()} Try again in {ceil(wait)} seconds.")
        return None, 429
    try:
        message = services.message_send(sender=request.user, request=request, **fields)
    except ValidationError as error:
        for field, reasons in error.message_dict.items():
            form.add_error(field if field in form.fields else None, reasons)
        return None, 400
    flash.success(request, f"Message sent to {message.recipient.get_username()}.")
    return message, None


@login_required
def compose(request):
    if request.method == "POST":
        form = ComposeForm(request.POST)
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            message, status = _send(
                request,
                form,
                recipient=data["recipient"],
                body=data["body"],
                context_type=data["context_type"],
                context_id=data["context_id"],
            )
            if message is not None:
                return redirect("messaging:thread", pk=message.pk)
        return render(request, "messaging/compose.html", _compose_context(request, form), status=status)
    form = ComposeForm(
        initial={
            "recipient": request.GET.get("to", ""),
            "context_type": request.GET.get("context_type", ""),
            "context_id": request.GET.get("context_id", ""),
        }
    )
    context = _compose_context(request, form)
    if context["subject"] is None:
        # A subject the sender may not see is dropped here, not shown and refused later.
        context["form"] = ComposeForm(initial={"recipient": form.initial["recipient"]})
    return render(request, "messaging/compose.html", context)


def _compose_context(request, form):
    """The form, and the link to what the message is about when the sender may see it."""
    context_type, context_id = form["context_type"].value(), str(form["context_id"].value() or "")
    subject = None
    if context_type and context_id.isdigit():
        subject = contexts.link(request.user, context_type, int(context_id))
    return {"form": form, "subject": subject}


@login_required
def thread(request, pk):
    message = selectors.message_get(request.user, pk)
    conversation = list(selectors.thread_messages(request.user, message))
    last = conversation[-1]
    other = last.counterpart(request.user)
    form = ReplyForm(request.POST or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        reply, status = _send(request, form, recipient=other, body=form.cleaned_data["body"], parent=last)
        if reply is not None:
            return redirect("messaging:thread", pk=reply.pk)
    # Opening a conversation reads it, as in any mail client.
    services.messages_mark_read(user=request.user, messages=conversation, request=request)
    links = selectors.context_links(request.user, conversation)
    context = {
        "entries": [{"message": item, "link": links[item.pk]} for item in conversation],
        "other": other,
        "form": form,
    }
    return render(request, "messaging/thread.html", context, status=status)


@login_required
@require_POST
def mark_read(request, pk):
    message = selectors.received_message_get(request.user, pk)
    services.messages_mark_read(user=request.user, messages=[message], request=request)
    return redirect("messaging:inbox")


@login_required
@require_GET
def recipients(request):
    """Usernames for the compose form's ``<datalist>``: active users only."""
    return JsonResponse({"results": selectors.recipient_suggestions(request.user, request.GET.get("q", ""))})
