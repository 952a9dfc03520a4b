"""The event catalogue as an AsyncAPI 3.0 document, made from the code: every event and
command of shared/contracts.py, its payload's JSON Schema (msgspec's), who sends it and who
receives it.

Producers follow the contracts' rule: an event's subject begins with its context, whose
outbox relays it. Receivers are read from the services' sources, not listed by hand: every
`EventConsumer(...)` (its durable name and events), every call of a kernel function that
makes one (shared/tenancy.py's tenant purge), every `serve_command(...)` (and the kernel's
wrappers of it), and every core NATS `subscribe("<subject pattern>")` (the gateway's cache
evictions). A consumer written in a shape this scan cannot read is an error, not a gap in
the catalogue. A service that names a command it does not answer is one that sends it."""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import msgspec

from shared.contracts import ALL_EVENTS, STREAMS, Command, CommandFailed, Event

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "identity", "cms", "assets", "billing")
KERNEL_MODULES = ("shared.tenancy",)  # kernel functions a service calls to consume or answer on its behalf
# Expressions the scan evaluates in a module's namespace: names, attributes and literals only.
READABLE = (ast.Name, ast.Attribute, ast.List, ast.Tuple, ast.Constant, ast.Load)


class Unreadable(Exception):
    """A subscription whose events or command the scan cannot tell from the source."""


@dataclass(frozen=True)
class Subscription:
    service: str
    consumer: str  # the durable's name, or `<service>-<module>` for a core subscription
    subjects: tuple[str, ...]  # subjects, or core subscription patterns (`cms.page.published.>`)
    durable: bool
    source: str  # path:line


@dataclass(frozen=True)
class Answer:
    service: str
    command: type[Command]
    source: str


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def _keyword(call: ast.Call, name: str, position: int | None = None) -> ast.expr | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return call.args[position] if position is not None and len(call.args) > position else None


def _loop_rows(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[dict[str, ast.expr]]:
    """The names bound by each literal `for a, b in ((..., ...), ...)` around `node`: one
    binding per combination of rows (a loop over anything else binds nothing we read)."""
    loops: list[list[dict[str, ast.expr]]] = []
    while node in parents:
        node = parents[node]
        if not isinstance(node, ast.For) or not isinstance(node.iter, ast.Tuple | ast.List):
            continue
        if isinstance(node.target, ast.Name):
            loops.append([{node.target.id: row} for row in node.iter.elts])
        elif isinstance(node.target, ast.Tuple) and all(isinstance(t, ast.Name) for t in node.target.elts):
            names = [t.id for t in node.target.elts]  # type: ignore[attr-defined]
            loops.append([dict(zip(names, row.elts, strict=False)) for row in node.iter.elts
                          if isinstance(row, ast.Tuple | ast.List)])
    return [{k: v for row in combination for k, v in row.items()} for combination in itertools.product(*loops)]


class _Bind(ast.NodeTransformer):
    def __init__(self, row: dict[str, ast.expr]) -> None:
        self.row = row

    def visit_Name(self, node: ast.Name) -> ast.expr:
        return self.row.get(node.id, node)


def _values(expr: ast.expr | None, row: dict[str, ast.expr], module: ModuleType) -> Any:
    """`expr` with the loop's names bound, evaluated in `module`'s namespace."""
    if expr is None:
        raise Unreadable("nothing")
    bound = _Bind(row).visit(ast.fix_missing_locations(ast.Expression(body=expr)))
    if not all(isinstance(n, READABLE) for n in ast.walk(bound.body)):
        raise Unreadable(ast.unparse(expr))
    try:
        return eval(compile(ast.fix_missing_locations(bound), "<scan>", "eval"), dict(vars(module)))
    except Exception as exc:  # a local variable, or an expression computed at run time
        raise Unreadable(ast.unparse(expr)) from exc


def _rendered_durable(expr: ast.expr | None, service: str) -> str:
    """A kernel function's durable name as it runs for `service` (its formatted part is the
    service's name, `runtime.name`)."""
    if isinstance(expr, ast.Constant):
        return str(expr.value)
    if isinstance(expr, ast.JoinedStr):
        return "".join(str(part.value) if isinstance(part, ast.Constant) else service for part in expr.values)
    raise Unreadable(ast.unparse(expr) if expr is not None else "no durable")


def _parsed(path: Path) -> tuple[ast.Module, dict[ast.AST, ast.AST]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    return tree, parents


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


@dataclass(frozen=True)
class KernelWrappers:
    events: dict[str, tuple[list[type[Event]], ast.expr | None]]  # function -> its consumer's events, durable
    commands: dict[str, type[Command]]  # function -> the command it answers


def kernel_wrappers() -> KernelWrappers:
    events: dict[str, tuple[list[type[Event]], ast.expr | None]] = {}
    commands: dict[str, type[Command]] = {}
    for name in KERNEL_MODULES:
        module = importlib.import_module(name)
        tree, _ = _parsed(Path(module.__file__ or ""))
        for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)):
            for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
                if _called(call) == "EventConsumer":
                    events[function.name] = (_values(_keyword(call, "events"), {}, module), _keyword(call, "durable"))
                elif _called(call) == "serve_command":
                    commands[function.name] = _values(_keyword(call, "command", 1), {}, module)
    return KernelWrappers(events, commands)


def _service_files(service: str) -> Iterator[Path]:
    yield from sorted(p for p in (ROOT / "services" / service).rglob("*.py") if "__pycache__" not in p.parts)


def scan(services: tuple[str, ...] = SERVICES) -> tuple[list[Subscription], list[Answer], dict[str, set[str]]]:
    """What each service receives (subscriptions), answers (commands), and which commands each
    names (class names per service), read from the sources."""
    wrappers = kernel_wrappers()
    subscriptions: list[Subscription] = []
    answers: list[Answer] = []
    named: dict[str, set[str]] = {}
    for service in services:
        named[service] = set()
        for path in _service_files(service):
            found, names = scan_file(service, path, lambda path=path: importlib.import_module(_module_name(path)),
                                     wrappers)
            for item in found:
                (answers if isinstance(item, Answer) else subscriptions).append(item)
            named[service] |= names
    return subscriptions, answers, named


def scan_file(service: str, path: Path, module_of: Callable[[], ModuleType],
              wrappers: KernelWrappers) -> tuple[list[Subscription | Answer], set[str]]:
    """One source file of `service`: what it subscribes to and answers, and the commands it
    names. `module_of` imports it, only when there is an expression to read."""
    tree, parents = _parsed(path)
    command_names = {cls.__name__ for cls in commands()}
    module: ModuleType | None = None
    found: list[Subscription | Answer] = []
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "shared.contracts":
            names |= {alias.name for alias in node.names} & command_names
        if not isinstance(node, ast.Call):
            continue
        called = _called(node)
        if called not in ("EventConsumer", "serve_command", "subscribe", *wrappers.events, *wrappers.commands):
            continue
        source = f"{_shown(path)}:{node.lineno}"
        module = module or module_of()
        try:
            found += _read_call(node, called, service, source, module, parents, wrappers)
        except Unreadable as exc:
            if called == "subscribe":
                continue  # a core subscription to something else (a key-value bucket's writes)
            raise Unreadable(f"{source}: cannot tell what {called}(…) receives from {exc}; write it with "
                             f"the event classes (or a literal loop over them)") from None
    return found, names


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else path.name


def _read_call(call: ast.Call, called: str, service: str, source: str, module: ModuleType,
               parents: dict[ast.AST, ast.AST], wrappers: KernelWrappers) -> list[Subscription | Answer]:
    found: list[Subscription | Answer] = []
    for row in _loop_rows(call, parents) or [{}]:
        if called == "EventConsumer":
            events = _values(_keyword(call, "events"), row, module)
            durable = _values(_keyword(call, "durable"), row, module)
            found.append(Subscription(service, durable, tuple(e.subject() for e in events), True, source))
        elif called in wrappers.events:
            events, durable_expr = wrappers.events[called]
            found.append(Subscription(service, _rendered_durable(durable_expr, service),
                                      tuple(e.subject() for e in events), True, source))
        elif called == "serve_command":
            found.append(Answer(service, _values(_keyword(call, "command", 1), row, module), source))
        elif called in wrappers.commands:
            found.append(Answer(service, wrappers.commands[called], source))
        else:  # a core subscription: NATS delivers what is published while it listens
            pattern = _values(_keyword(call, "subject", 0), row, module)
            if not isinstance(pattern, str):
                raise Unreadable(ast.unparse(call))
            found.append(Subscription(service, f"{service}-{Path(source.split(':')[0]).stem}", (pattern,), False,
                                      source))
    # One consumer per durable name and row (billing runs several pullers of one durable).
    return list(dict.fromkeys(found))


def matches(pattern: str, subject: str) -> bool:
    """NATS subject matching: `*` is one token, `>` the rest."""
    wanted, tokens = pattern.split("."), subject.split(".")
    for i, token in enumerate(wanted):
        if token == ">":
            return len(tokens) > i
        if i >= len(tokens) or (token != "*" and token != tokens[i]):
            return False
    return len(wanted) == len(tokens)


def commands() -> list[type[Command]]:
    def below(cls: type[Command]) -> list[type[Command]]:
        return [found for sub in cls.__subclasses__() for found in (sub, *below(sub))]

    # The contracts' own commands: a test may define one of its own, which is no contract.
    return sorted((cls for cls in below(Command) if cls.__module__ == Command.__module__),
                  key=lambda cls: cls.SUBJECT)


def consumers_of(subject: str, subscriptions: list[Subscription]) -> list[Subscription]:
    return [s for s in subscriptions if any(matches(p, subject) if not s.durable else p == subject
                                            for p in s.subjects)]


def _doc(cls: type) -> str:
    """A class's docstring as one paragraph."""
    return " ".join(inspect.cleandoc(cls.__doc__ or "").split())


def channel_key(subject: str) -> str:
    """A subject as an AsyncAPI key (letters, digits, `.`, `-`, `_`): a parameter's braces dropped."""
    return subject.replace("{", "").replace("}", "")


def _stream(event: type[Event]) -> str:
    return next(name for name, pattern in STREAMS.items() if matches(pattern, event.subject()))


HEADERS = {"type": "object", "properties": {
    "Nats-Msg-Id": {"type": "string", "description": "the event's id: JetStream drops a repeat within its window"},
    "traceparent": {"type": "string", "description": "W3C trace context of the change that caused the event"}}}


def asyncapi_document(version: str) -> dict[str, Any]:
    subscriptions, answers, named = scan()
    events = sorted(ALL_EVENTS, key=lambda e: e.subject())
    command_types = commands()
    replies = list(dict.fromkeys(cls.Reply for cls in command_types))
    _, schemas = msgspec.json.schema_components([*events, *command_types, *replies, CommandFailed],
                                                ref_template="#/components/schemas/{name}")
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}

    def message(cls: type, summary: str, headers: bool = False) -> dict[str, str]:
        messages[cls.__name__] = {"name": cls.__name__, "title": cls.__name__, "summary": summary,
                                  "contentType": "application/json",
                                  "payload": {"$ref": f"#/components/schemas/{cls.__name__}"},
                                  **({"headers": HEADERS} if headers else {})}
        return {"$ref": f"#/components/messages/{cls.__name__}"}

    for event in events:
        subject, producer = event.subject(), event.context()
        receivers = consumers_of(subject, subscriptions)
        channels[subject] = {
            "address": subject, "title": event.__name__, "description": _doc(event),
            "messages": {event.__name__: message(event, _doc(event), True)},
            "x-stream": _stream(event), "x-producer": producer,
            "x-consumers": sorted({s.service for s in receivers})}
        reference = {"$ref": f"#/channels/{subject}"}
        sent = [{"$ref": f"#/channels/{subject}/messages/{event.__name__}"}]
        operations[f"{producer}-sends-{subject}"] = {
            "action": "send", "channel": reference, "messages": sent, "x-service": producer,
            "description": f"Written to {producer}'s outbox in the transaction of the change; its relay publishes "
                           f"it to the {_stream(event)} stream."}
        for receiver in receivers:
            operations[f"{receiver.consumer}-receives-{subject}"] = {
                "action": "receive", "channel": reference, "messages": sent, "x-service": receiver.service,
                **({"x-durable": receiver.consumer} if receiver.durable else
                   {"x-core-subscription": receiver.subjects[0]}),
                "x-source": receiver.source,
                "description": "A durable pull consumer: once per event (inbox), retried with backoff, "
                               f"dead-lettered to dlq.{receiver.consumer} after 5 deliveries." if receiver.durable
                else "A core NATS subscription: events published while the process listens."}
    failed = message(CommandFailed, _doc(CommandFailed))
    for command in command_types:
        subject, key = command.SUBJECT, channel_key(command.SUBJECT)
        answering = sorted({a.service for a in answers if a.command is command})
        requesting = sorted(s for s, names in named.items() if command.__name__ in names and s not in answering)
        channel: dict[str, Any] = {
            "address": subject, "title": command.__name__, "description": _doc(command),
            "messages": {command.__name__: message(command, _doc(command))},
            "x-answered-by": answering, "x-sent-by": requesting}
        if "{service}" in subject:
            channel["parameters"] = {"service": {"enum": answering, "description": "the service asked"}}
        channels[key] = channel
        channels[f"{key}.reply"] = {
            "address": None, "description": "The requester's inbox (NATS request-reply).",
            "messages": {command.Reply.__name__: message(command.Reply, _doc(command.Reply)
                                                         or f"The answer to {command.__name__}."),
                         CommandFailed.__name__: failed}}
        reply = {"channel": {"$ref": f"#/channels/{key}.reply"},
                 "messages": [{"$ref": f"#/channels/{key}.reply/messages/{command.Reply.__name__}"},
                              {"$ref": f"#/channels/{key}.reply/messages/{CommandFailed.__name__}"}]}
        asked = [{"$ref": f"#/channels/{key}/messages/{command.__name__}"}]
        for service in answering:
            operations[f"{service}-answers-{key}"] = {
                "action": "receive", "channel": {"$ref": f"#/channels/{key}"}, "messages": asked, "reply": reply,
                "x-service": service, "description": "Answered by a queue group: one replica answers each request."}
        for service in requesting:
            operations[f"{service}-requests-{key}"] = {
                "action": "send", "channel": {"$ref": f"#/channels/{key}"}, "messages": asked, "reply": reply,
                "x-service": service}
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Sitebuilder platform events", "version": version,
                 "description": "Events (facts, through each service's outbox to JetStream) and commands "
                                "(NATS request-reply on `cmd.` subjects) between the platform's services, "
                                "from shared/contracts.py. Consumers are read from the services' code."},
        "defaultContentType": "application/json",
        "servers": {"nats": {"host": "localhost:4222", "protocol": "nats",
                             "description": "NATS with JetStream (NATS_URL); streams "
                                            + ", ".join(f"{k} ({v})" for k, v in STREAMS.items())}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": dict(sorted(messages.items())), "schemas": dict(sorted(schemas.items()))},
    }
