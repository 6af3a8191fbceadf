"""Email: the delivery worker that drains the outbox over SMTP, and how each email reads."""

from graph_api.mail.compose import MailConfig, compose_message
from graph_api.mail.worker import DeliveryWorker

__all__ = ["DeliveryWorker", "MailConfig", "compose_message"]
