"""The Celery app. Configuration comes from Django settings (the CELERY_* names).

Two pieces of worker wiring serve the handoff outbox (docs/handoffs.md, "A sick broker"): the
worker reconnects to a broker that went away once a second, and every time it is connected
(again) it asks for a relay run, so messages that waited while the broker was away are published
at once instead of at the next beat tick.
"""

import functools
import logging
import os

from celery import Celery, bootsteps
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kuasheng.settings")

logger = logging.getLogger(__name__)

app = Celery("kuasheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

RECONNECT_EVERY = 1.0  # seconds between two attempts to reach a broker that went away


class PromptConsumer(Consumer):
    """The worker's consumer, trying to reconnect every second while the broker is away.

    Celery's consumer waits 2, 4, 6 … up to 30 s between attempts, so after a long outage the
    worker came back up to 30 s after the broker did, and nothing was delivered meanwhile. One
    connection attempt a second is no load for a broker, dead or alive.
    """

    def ensure_connected(self, conn):
        conn.ensure_connection = functools.partial(
            conn.ensure_connection,
            interval_start=RECONNECT_EVERY,
            interval_step=0,
            interval_max=RECONNECT_EVERY,
        )
        return super().ensure_connected(conn)


class RelayWhenConnected(bootsteps.StartStopStep):
    """Queue a relay of the outbox whenever the worker has (re)connected to the broker.

    The consumer blueprint starts its steps again after every reconnection, so this runs when
    the worker starts and each time the broker is back after an outage.
    """

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        try:
            # A connection of its own: the consumer's is about to be used by the event loop.
            with consumer.app.connection_for_write() as connection:
                consumer.app.send_task("cases.relay_handoffs", connection=connection, retry=False)
        except Exception as error:  # noqa: BLE001 (the beat schedule relays too; the worker must start)
            logger.warning("Could not queue a relay after connecting: %s", error.__class__.__name__)


app.steps["consumer"].add(RelayWhenConnected)
