"""Who may call the webhooks: the authenticators the container gives the HTTP layer."""

from __future__ import annotations

from ignacio.adapters.twilio import TwilioWebhookAuth
from ignacio.adapters.twilio import sign as twilio_sign
from ignacio.adapters.whatsapp_cloud import CloudApiWebhookAuth
from ignacio.adapters.whatsapp_cloud import sign as meta_sign

FORM = [("Body", "hola"), ("From", "whatsapp:+34612345678")]


def test_meta_s_signature_and_subscription_check() -> None:
    auth = CloudApiWebhookAuth("app-secret", "verify-me")
    assert auth.signed(b"{}", meta_sign(b"{}", "app-secret"))
    assert not auth.signed(b"{}", meta_sign(b"{}", "another"))
    assert auth.subscribes("subscribe", "verify-me")
    assert not auth.subscribes("subscribe", "verify-you")
    assert not auth.subscribes("unsubscribe", "verify-me")
    assert not auth.subscribes("subscribe", None)
    # With no verify token configured, no subscription check is Meta's.
    assert not CloudApiWebhookAuth("app-secret", None).subscribes("subscribe", "")


def test_twilio_signs_the_public_url_behind_a_proxy() -> None:
    auth = TwilioWebhookAuth("token", "https://ignacio.example.org/", None)
    signature = twilio_sign("https://ignacio.example.org/webhooks/twilio?x=1", FORM, "token")
    assert auth.signed(
        FORM,
        signature,
        None,
        request_url="http://10.0.0.5:8000/webhooks/twilio?x=1",
        path_and_query="/webhooks/twilio?x=1",
    )
    assert not TwilioWebhookAuth("token", None, None).signed(
        FORM,
        signature,
        None,
        request_url="http://10.0.0.5:8000/webhooks/twilio?x=1",
        path_and_query="/webhooks/twilio?x=1",
    )


def test_a_status_callback_may_be_signed_for_the_configured_url() -> None:
    configured = "https://hooks.example.org/twilio-status"
    auth = TwilioWebhookAuth("token", None, configured)
    signature = twilio_sign(configured, FORM, "token")
    here = {"request_url": "http://127.0.0.1/webhooks/twilio/status", "path_and_query": "/x"}
    assert auth.signed(FORM, signature, None, **here, status=True)
    assert not auth.signed(FORM, signature, None, **here, status=False)
    assert not TwilioWebhookAuth("", None, configured).signed(
        FORM, signature, None, **here, status=True
    )
