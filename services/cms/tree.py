"""Page trees: `{"root": {"id", "component", "props", "children": [...]}}`, validated
against the registry on every write, and compared node by node. Pure: no I/O.

A tree is validated in two steps. The fast path is one msgspec conversion (or decode, from
bytes) into node Structs generated from the registry, then one pass for what a type cannot
say (unique ids, depth, node count), then one `to_builtins` for the stored form. Only when
the fast path refuses a tree does `check_tree`, the node-by-node walker, run: it names the
first problem exactly as it always has, so a refusal reads the same whichever path ran."""

from __future__ import annotations

import re
import typing
from itertools import chain
from operator import attrgetter
from typing import Annotated, Any, Union

import msgspec
import msgspec.inspect as types

from shared.errors import BadRequest, Invalid

from .registry import COMPONENTS

MAX_DEPTH = 12
MAX_NODES = 2000
MAX_BYTES = 1_000_000
NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
NODE_KEYS = frozenset({"id", "component", "props", "children"})
# Every id of a tree, each followed by a newline, in one match (see `_within_limits`).
NODE_IDS = re.compile(r"(?:[A-Za-z0-9_-]{1,64}\n)*")


class TreeInvalid(Invalid):
    """The first problem of a tree, with the JSON pointer (RFC 6901) of where it is."""

    def __init__(self, pointer: str, problem: str) -> None:
        super().__init__(f"{pointer}: {problem}", errors=[{"pointer": pointer, "problem": problem}])
        self.pointer = pointer


def _node_type(name: str) -> type[msgspec.Struct]:
    """`<name>Node`: a node of one component, tagged by its name, holding only what it may hold."""
    spec = COMPONENTS[name]
    allowed = sorted(spec.children)
    # The other node types are named through NODE_TYPES, which msgspec reads at the first
    # decode, once every type exists: the registry's children form cycles (Section in Section).
    # (Union[...] of a tuple: `|` cannot join forward references.)
    children: Any = list[Union[tuple(typing.ForwardRef(f"NODE_TYPES[{child!r}]") for child in allowed)]] \
        if allowed else Annotated[list[Any], msgspec.Meta(max_length=0)]  # noqa: UP007
    try:  # props may be left out when every prop has a default, as the walker allows
        spec.props()
        props: tuple[Any, ...] = ("props", spec.props, msgspec.field(default_factory=spec.props))
    except (TypeError, ValueError):
        props = ("props", spec.props)
    # The id's pattern is checked for all ids at once in `_within_limits`: as a msgspec
    # pattern it is one call into `re` per node, which alone costs more than the decode.
    # gc=False: a fresh tree holds no cycles, and untracked nodes spare the collector a
    # thousand objects per tree.
    return msgspec.defstruct(f"{name}Node", [("id", str), props,
                                             ("children", children, msgspec.field(default_factory=list))],
                             tag=name, tag_field="component", forbid_unknown_fields=True, kw_only=True, gc=False,
                             module=__name__)


NODE_TYPES: dict[str, type[msgspec.Struct]] = {name: _node_type(name) for name in COMPONENTS}
# Any node may arrive as the root (a union needs its tag, a lone tagged Struct does not);
# `_within_limits` takes only a Page.
_Document = msgspec.defstruct("Document", [("root", Union[tuple(NODE_TYPES.values())])],  # noqa: UP007
                              forbid_unknown_fields=True, gc=False, module=__name__)
_DECODER = msgspec.json.Decoder(_Document)
_PAGE = NODE_TYPES["Page"]
_ID, _CHILDREN = attrgetter("id"), attrgetter("children")


def _keeps_its_length(info: types.Type, seen: set[type]) -> bool:
    """Whether a value of this type, decoded from JSON and encoded again by msgspec, is at most
    as long as the text it came from (true of strings, ints, booleans, null, UUIDs; a float
    such as 1e15 grows)."""
    if isinstance(info, types.Metadata):
        return _keeps_its_length(info.type, seen)
    if isinstance(info, types.StructType):
        if info.cls in seen:
            return True
        seen.add(info.cls)
        return all(_keeps_its_length(field.type, seen) for field in info.fields)
    if isinstance(info, (types.ListType, types.UnionType)):
        inner = [info.item_type] if isinstance(info, types.ListType) else info.types
        return all(_keeps_its_length(item, seen) for item in inner)
    if isinstance(info, types.LiteralType):
        return all(isinstance(value, (str, int)) for value in info.values)
    return isinstance(info, (types.StrType, types.IntType, types.BoolType, types.NoneType, types.UUIDType))


# Then a JSON text within MAX_BYTES that decodes as a tree is a document within MAX_BYTES, as
# `check_tree` measures it (whitespace, escapes and repeated keys only shrink).
_RAW_LENGTH_BOUNDS_THE_DOCUMENT = all(_keeps_its_length(info, set()) for info in
                                      types.multi_type_info([spec.props for spec in COMPONENTS.values()]))


def validate(document: Any) -> dict[str, Any]:
    """The tree as stored (props with their defaults filled in), or `TreeInvalid`.

    The fast path takes JSON values (dicts, lists, strings, numbers), as every caller has;
    msgspec would also take a tuple for a list, which the walker refuses."""
    if len(msgspec.json.encode(document)) <= MAX_BYTES:
        try:
            fast = msgspec.convert(document, _Document)
        except (msgspec.ValidationError, RecursionError):
            pass
        else:
            if _within_limits(fast.root):
                return {"root": msgspec.to_builtins(fast.root)}
    return check_tree(document)


def validate_json(raw: bytes) -> dict[str, Any]:
    """`validate` of a JSON text, decoded once, straight into the node types. A text that is
    not JSON is a `BadRequest` (bound its size and depth first, as shared/bodies.py does)."""
    if len(raw) <= MAX_BYTES and _RAW_LENGTH_BOUNDS_THE_DOCUMENT:
        try:
            fast = _DECODER.decode(raw)
        except (msgspec.DecodeError, RecursionError):  # a ValidationError is a DecodeError
            pass
        else:
            if _within_limits(fast.root):
                return {"root": msgspec.to_builtins(fast.root)}
    try:
        document = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise BadRequest(f"the page is not valid JSON: {exc}") from None
    return check_tree(document)


def _within_limits(root: Any) -> bool:
    """What the node types leave to a pass of their own: the root is a Page, ids are well formed
    and unique, the tree is at most MAX_DEPTH deep and MAX_NODES large. Level by level, so each
    level is a few loops in C."""
    if type(root) is not _PAGE:
        return False
    level, depth, ids = [root], 0, []
    while level:
        depth += 1
        ids += map(_ID, level)
        if depth > MAX_DEPTH or len(ids) > MAX_NODES:
            return False
        level = list(chain.from_iterable(map(_CHILDREN, level)))
    # An id holding a newline adds one to the count: refused here, the walker decides.
    joined = "\n".join(ids) + "\n"
    return len(set(ids)) == len(ids) == joined.count("\n") and NODE_IDS.fullmatch(joined) is not None


def check_tree(document: Any) -> dict[str, Any]:
    """`validate` node by node: slower, and it names the first problem (the JSON pointer of
    the node, in document order, and what is wrong there)."""
    if len(msgspec.json.encode(document)) > MAX_BYTES:
        raise TreeInvalid("", f"the page is larger than {MAX_BYTES} bytes")
    if not isinstance(document, dict) or set(document) != {"root"}:
        raise TreeInvalid("", 'a page is {"root": <node>}')
    root = document["root"]
    if isinstance(root, dict) and root.get("component") != "Page":
        raise TreeInvalid("/root/component", "the root must be a Page")
    seen: set[str] = set()
    count = 0

    def check(node: Any, pointer: str, depth: int, parent: str | None) -> dict[str, Any]:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise TreeInvalid(pointer, f"more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise TreeInvalid(pointer, f"deeper than {MAX_DEPTH} levels")
        if not isinstance(node, dict):
            raise TreeInvalid(pointer, "a node is an object")
        unknown = set(node) - NODE_KEYS
        if unknown:
            raise TreeInvalid(f"{pointer}/{sorted(unknown)[0]}", "not a node field")
        node_id, name = node.get("id"), node.get("component")
        if not isinstance(node_id, str) or not NODE_ID.match(node_id):
            raise TreeInvalid(f"{pointer}/id", "a node id is 1 to 64 letters, digits, '-' or '_'")
        if node_id in seen:
            raise TreeInvalid(f"{pointer}/id", f"the id {node_id!r} is used twice")
        seen.add(node_id)
        spec = COMPONENTS.get(name) if isinstance(name, str) else None
        if spec is None:
            raise TreeInvalid(f"{pointer}/component", f"unknown component {name!r}")
        if parent is not None and name not in COMPONENTS[parent].children:
            raise TreeInvalid(pointer, f"a {parent} cannot hold a {name}")
        try:
            props = msgspec.convert(node.get("props", {}), spec.props)
        except msgspec.ValidationError as exc:
            raise TreeInvalid(f"{pointer}/props{_pointer_of(str(exc))}", _problem_of(str(exc))) from None
        children = node.get("children", [])
        if not isinstance(children, list):
            raise TreeInvalid(f"{pointer}/children", "children are a list")
        if children and not spec.children:
            raise TreeInvalid(f"{pointer}/children/0", f"a {name} holds no children")
        return {"id": node_id, "component": name, "props": msgspec.to_builtins(props),
                "children": [check(child, f"{pointer}/children/{i}", depth + 1, name)
                             for i, child in enumerate(children)]}

    return {"root": check(root, "/root", 1, None)}


def _pointer_of(message: str) -> str:
    """msgspec says `- at $.features[0].title`; a JSON pointer says /features/0/title."""
    if "- at `$" not in message:
        return ""
    path = message.rsplit("- at `$", 1)[1].rstrip("`")
    return re.sub(r"\[(\d+)\]", r"/\1", path).replace(".", "/")


def _problem_of(message: str) -> str:
    return message.split(" - at `$", 1)[0]


def nodes(tree: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every node by id."""
    found: dict[str, dict[str, Any]] = {}
    stack = [tree["root"]]
    while stack:
        node = stack.pop()
        found[node["id"]] = node
        stack.extend(node.get("children", []))
    return found


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    """What changed between two trees, by node id."""
    old, new = nodes(before), nodes(after)

    def shape(node: dict[str, Any]) -> tuple[Any, ...]:
        # Sorted keys: a tree read back from jsonb has its keys in another order than one just validated.
        props = msgspec.json.encode(node["props"], order="sorted")
        return node["component"], props, tuple(c["id"] for c in node["children"])

    return {"added": sorted(new.keys() - old.keys()), "removed": sorted(old.keys() - new.keys()),
            "changed": sorted(key for key in old.keys() & new.keys() if shape(old[key]) != shape(new[key]))}


def starter(title: str) -> dict[str, Any]:
    """The tree of a new page: a Page root and a heading with its title."""
    return {"root": {"id": "page", "component": "Page", "props": {"title": title}, "children": [
        {"id": "heading", "component": "Heading", "props": {"text": title, "level": 1}, "children": []}]}}
