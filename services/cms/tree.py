"""Page trees: `{"root": {"id", "component", "props", "children": [...]}}`, validated
against the registry on every write, and compared node by node. Pure: no I/O."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from shared.errors import Invalid

from .registry import COMPONENTS

MAX_DEPTH = 12
MAX_NODES = 2000
MAX_BYTES = 1_000_000
NODE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
NODE_KEYS = frozenset({"id", "component", "props", "children"})


class TreeInvalid(Invalid):
    """The first problem of a tree, with the JSON pointer (RFC 6901) of where it is."""

    def __init__(self, pointer: str, problem: str) -> None:
        super().__init__(f"{pointer}: {problem}", errors=[{"pointer": pointer, "problem": problem}])
        self.pointer = pointer


def validate(document: Any) -> dict[str, Any]:
    """The tree as stored (props with their defaults filled in), or `TreeInvalid`."""
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
