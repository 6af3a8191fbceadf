"""How fast the delivery worker drains the email outbox to a local SMTP sink.

    .venv/bin/python -m bench.mail_drain [--emails 10000] [--batch 50]

Starts an embedded FalkorDB in a temporary directory, stores `--emails` messages (each with
its outbox entry, as sendMessage does) from 100 senders to 100 recipients, then times one
DeliveryWorker draining them to an in-process aiosmtpd sink on 127.0.0.1, and checks that
every email arrived exactly once.
"""

from __future__ import annotations

import asyncio
import time
import uuid

from bench.scratch import scratch_graph, script_main
from graph_api.mail import DeliveryWorker, MailConfig
from graph_api.mail.sink import SmtpSink
from graph_db import messages, outbox, people

DAY = 86_400_000


async def run(emails: int, batch: int) -> None:
    async with scratch_graph("mail_drain", max_connections=32) as db:
        try:
            now = int(time.time() * 1000)
            senders = [await people.create_person(db, id=str(uuid.uuid4()), email=f"s{i}@bench.example",
                                                  name=f"Sender {i}", role="MEMBER", now=now)
                       for i in range(100)]
            recipients = [await people.create_person(db, id=str(uuid.uuid4()), email=f"r{i}@bench.example",
                                                     name=f"Recipient {i}", role="MEMBER", now=now)
                          for i in range(100)]
            started = time.perf_counter()
            for chunk in range(0, emails, 100):
                await asyncio.gather(*(
                    messages.send_direct(
                        db, sender=senders[i % 100].id, recipient=recipients[(i // 100) % 100].id,
                        conversation_id=str(uuid.uuid4()), message_id=str(uuid.uuid4()),
                        body=f"Message {i}", mentions=[], links=[], now=now, since=now - DAY,
                        budget=1_000,
                    ) for i in range(chunk, min(chunk + 100, emails))
                ))
            stored = time.perf_counter() - started
            queued = (await outbox.count_by_status(db)).get("PENDING", 0)
            sink = SmtpSink(keep=emails + 10)
            port = await sink.start()
            worker = DeliveryWorker(db, MailConfig(host="127.0.0.1", port=port, batch_size=batch,
                                                   sender="Bench <mail@bench.example>"))
            started = time.perf_counter()
            while await worker.run_once():
                pass
            drained = time.perf_counter() - started
            await sink.stop()
            ids = {m.header("Message-ID") for m in sink.received}
            print(f"stored {queued} queued emails in {stored:.1f} s; drained in {drained:.1f} s "
                  f"({queued / drained:.0f} emails/s, batch {batch}); received {len(sink.received)}, "
                  f"distinct Message-IDs {len(ids)}; outbox {await outbox.count_by_status(db)}")
        finally:
            await db.drop()


def main() -> None:
    script_main(__doc__.splitlines()[0], run, emails=10_000, batch=50)


if __name__ == "__main__":
    main()
