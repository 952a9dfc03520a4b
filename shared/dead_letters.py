"""Dead-lettered events: reading and replaying the stream `shared.messaging`'s consumers
fill (`EventConsumer` publishes an event it gave up on to `dlq.<consumer>`, with the
Dlq-Subject, Dlq-Consumer and Dlq-Reason headers). Platform-wide, so the kernel's: the
`dlq list` and `dlq replay` commands of `python -m services.admin`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec
import nats
import typer
from nats.js import JetStreamContext
from nats.js.api import RawStreamMsg

from shared.cli import NatsSettings, bar, connect_nats, fail, group, load, run, spinner
from shared.contracts import DEAD_LETTER_STREAM

app = group("Dead-lettered events (stream DEAD_LETTERS): list, replay.")

DLQ_STREAM, DLQ_SUBJECTS = DEAD_LETTER_STREAM


@dataclass(frozen=True)
class DeadLetter:
    seq: int
    time: datetime | None
    original_subject: str  # where the event was published; a replay goes back there
    consumer: str
    reason: str
    event_id: str | None
    tenant_id: str | None
    data: bytes
    headers: dict[str, str]

    @classmethod
    def of(cls, raw: RawStreamMsg) -> DeadLetter:
        headers = dict(raw.headers or {})
        data = raw.data or b""
        try:  # read loosely: an undecodable event is dead-lettered too
            body = msgspec.json.decode(data)
        except msgspec.DecodeError:
            body = None
        fields = body if isinstance(body, dict) else {}
        return cls(seq=raw.seq or 0, time=raw.time, original_subject=headers.get("Dlq-Subject", ""),
                   consumer=headers.get("Dlq-Consumer", (raw.subject or "").removeprefix("dlq.")),
                   reason=headers.get("Dlq-Reason", ""), event_id=_str_or_none(fields.get("event_id")),
                   tenant_id=_str_or_none(fields.get("tenant_id")), data=data, headers=headers)

    def replay_headers(self) -> dict[str, str]:
        """The original headers (trace context) without the dead-letter ones, and a message id
        of the replay's own: the event id alone would be dropped as a duplicate within the
        stream's window, while this one still drops a repeat of the same replay."""
        kept = {k: v for k, v in self.headers.items() if not k.lower().startswith(("dlq-", "nats-"))}
        return {**kept, "Nats-Msg-Id": f"{self.event_id or 'undecodable'}:replay:{self.seq}",
                "Dlq-Replayed-From": str(self.seq)}


def _str_or_none(value: object) -> str | None:
    return str(value) if value is not None else None


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcards: `*` is one token, `>` the rest."""
    want, have = pattern.split("."), subject.split(".")
    for i, token in enumerate(want):
        if token == ">":
            return len(have) > i
        if i >= len(have) or (token != "*" and token != have[i]):
            return False
    return len(want) == len(have)


async def dead_letters(js: JetStreamContext, subject: str | None = None) -> tuple[list[DeadLetter], int]:
    """The dead letters (oldest first) whose original subject matches, and how many the stream holds."""
    try:
        info = await js.stream_info(DLQ_STREAM)
    except nats.js.errors.NotFoundError:
        return [], 0
    found: list[DeadLetter] = []
    seq = max(info.state.first_seq, 1)
    while seq <= info.state.last_seq:
        try:  # the next message at or after `seq`: deleted sequences are skipped, not fetched
            raw = await js.get_msg(DLQ_STREAM, seq=seq, subject=DLQ_SUBJECTS, next=True)
        except nats.js.errors.NotFoundError:
            break
        letter = DeadLetter.of(raw)
        if subject is None or subject_matches(subject, letter.original_subject):
            found.append(letter)
        seq = letter.seq + 1
    return found, info.state.messages


async def dead_letter(js: JetStreamContext, seq: int) -> DeadLetter | None:
    try:
        return DeadLetter.of(await js.get_msg(DLQ_STREAM, seq=seq))
    except nats.js.errors.NotFoundError:
        return None


@app.command("list", short_help="List dead-lettered events.")
def dlq_list(
    limit: Annotated[int, typer.Option(min=1, help="show at most this many, oldest first")] = 50,
    subject: Annotated[str | None, typer.Option(help="only events first published on this subject "
                                                     "(NATS wildcards * and > work)")] = None,
) -> None:
    """List dead-lettered events: stream sequence (the id `replay` takes), consumer, subject,
    tenant, event id and why the consumer gave up."""
    config = load(NatsSettings)

    async def read() -> tuple[list[DeadLetter], int]:
        nc = await connect_nats(config.nats_url)
        try:
            return await dead_letters(nc.jetstream(), subject)
        finally:
            await nc.close()

    with spinner("reading the dead letters"):
        letters, total = run(read())
    for letter in letters[:limit]:
        when = letter.time.strftime("%Y-%m-%d %H:%M:%S UTC") if letter.time else "?"
        typer.echo(f"#{letter.seq}  {when}  {letter.original_subject or '(no Dlq-Subject)'}\n"
                   f"    consumer {letter.consumer}  tenant {letter.tenant_id or '?'}  event {letter.event_id or '?'}\n"
                   f"    reason   {letter.reason or '?'}")
    more = f" ({len(letters) - limit} more not shown: --limit)" if len(letters) > limit else ""
    scope = f" matching {subject}" if subject else ""
    typer.echo(f"{len(letters)} dead letters{scope}; {total} in {DLQ_STREAM}{more}")


@app.command("replay", short_help="Republish dead letters on their original subject.")
def dlq_replay(
    id_: Annotated[int | None, typer.Option("--id", help="replay the dead letter with this sequence "
                                                          "(from `dlq list`)")] = None,
    all_: Annotated[bool, typer.Option("--all", help="replay every dead letter (that matches --subject)")] = False,
    subject: Annotated[str | None, typer.Option(help="only events first published on this subject "
                                                     "(wildcards * and > work)")] = None,
    keep: Annotated[bool, typer.Option(help="leave replayed messages in the dead-letter stream")] = False,
) -> None:
    """Publish dead letters again on their original subject, then delete them from the stream.

    Every consumer of that subject receives the event again; those that applied it before
    skip it (their inbox remembers the event id), the one that gave up applies it. Each
    replay carries a message id of its own (<event id>:replay:<sequence>), so JetStream
    does not drop it as a copy of the original event, but does drop a repeat of the same
    replay within its two-minute window. A replay that fails again comes back as a new
    dead letter."""
    if (id_ is None) == (not all_):
        raise typer.BadParameter("give exactly one of --id N or --all", param_hint="--id / --all")
    config = load(NatsSettings)
    failed = run(replay(config, id_, subject, keep))
    if failed:
        fail(f"{failed} dead letters were not replayed")


async def replay(config: NatsSettings, seq: int | None, subject: str | None, keep: bool) -> int:
    nc = await connect_nats(config.nats_url)
    js = nc.jetstream()
    failed = 0
    try:
        if seq is not None:
            letter = await dead_letter(js, seq)
            if letter is None:
                fail(f"no dead letter #{seq} in {DLQ_STREAM} (see `dlq list`)")
            if subject is not None and not subject_matches(subject, letter.original_subject):
                fail(f"dead letter #{seq} was published on {letter.original_subject}, not {subject}")
            letters = [letter]
        else:
            letters, _ = await dead_letters(js, subject)
        with bar() as progress:
            task = progress.add_task("replaying", total=len(letters))
            for letter in letters:
                outcome = await replay_one(js, letter, keep)
                if outcome.startswith("failed"):
                    failed += 1
                progress.console.print(f"#{letter.seq} {letter.original_subject or '?'}: {outcome}", markup=False)
                progress.advance(task)
        typer.echo(f"{len(letters) - failed} of {len(letters)} dead letters replayed")
    finally:
        await nc.close()
    return failed


async def replay_one(js: JetStreamContext, letter: DeadLetter, keep: bool) -> str:
    if not letter.original_subject:
        return "failed: no Dlq-Subject header says where it came from"
    try:
        ack = await js.publish(letter.original_subject, letter.data, headers=letter.replay_headers())
    except (nats.errors.Error, nats.js.errors.Error) as exc:
        return f"failed: {type(exc).__name__}: {exc or 'no stream takes this subject'}"
    outcome = ("already replayed moments ago (JetStream dropped this repeat)" if ack.duplicate
               else f"replayed as {ack.stream} #{ack.seq}")
    if keep:
        return outcome + "; kept in the dead letters"
    await js.delete_msg(DLQ_STREAM, letter.seq)
    return outcome
