"""Workarounds for moto's DynamoDB memory growth in a long-running `quollo serve` (moto 5.2.5).

Two things in moto 5.2.5 (and in upstream master as of 2026-08) make the embedded server grow by
megabytes per request, to gigabytes over a CI run of a few thousand tests:

1. **Every model instance is kept forever.** `moto.core.common_models.BaseModel.__new__` appends
   each instance to `cls.instances_tracked`, for moto's dashboard (`/moto-api/data.json`); only
   `reset_model_data()` (moto's reset) empties it. In DynamoDB that covers every `Item`, including
   the throw-away deep copies moto makes on each UpdateItem (the old image), on each Query/Scan
   (the returned items) and in TransactWriteItems (below): none of them is ever freed.
2. **TransactWriteItems deep-copies every table it touches**, to put the copies back if the
   transaction is cancelled (`DynamoDBBackend.transact_write_items`: `original_table_state`). A
   create (plan check, balance debit, interview put) copies the whole interviews table: with 1 the
   copies are all retained, so memory grows with (transactions x table size); without 1 they are
   garbage, but each transaction still costs time in proportion to the table's size.

moto also keeps every DynamoDB Stream record forever (3, below `apply`), which the webhook
worker's stream on the interviews table would make one more leak. And moto ignores
TransactWriteItems' ClientRequestToken (4): the SDK's retry of a commit whose answer came late (a
read timeout on a busy machine) ran the transaction again, where DynamoDB answers it as the success
it was; the create's guarded Puts then failed and it answered 500. And in-process moto (mock_aws,
where the integration tests run handlers in threads) runs DynamoDB requests concurrently, though its
conditions are checked and then written with no lock (5): racing debits spent one credit many times.

And moto validates an UpdateExpression in quadratic time (6): every request's authentication (an
UpdateItem that SETs one rate-limit slot and REMOVEs the other 59) cost 35 ms of CPU in moto against
2 ms for a GetItem, which made moto most of the CPU of the test suites and of a busy `quollo serve`;
it also parses each UpdateExpression twice per request, where quollo sends a few dozen distinct ones.
Then each UpdateItem still deep-copied the parsed tree for its validator (7): `copy.deepcopy` of the
authentication's tree cost 2.2 ms, a tenth of a busy `quollo serve`'s CPU; unpickling a copy kept
beside the cached tree gives the same fresh tree in 0.2 ms.

`apply()` stops the tracking for DynamoDB's models only (quollo never reads moto's dashboard; S3's
reset still needs its own tracked keys to close their buffers) and makes TransactWriteItems copy
only the items its operations write, restoring exactly those when the transaction fails. A
cancelled transaction leaves every item as it was, as with moto's own rollback and as in DynamoDB
(tests/integration/test_moto_transactions.py). Remove this module when moto fixes either upstream.
"""

from __future__ import annotations

import contextvars
import copy
import functools
import json
import pickle
import threading
import time
from collections.abc import Iterator
from typing import Any

from moto.core.botocore_stubber import BotocoreStubber
from moto.core.common_models import BaseModel
from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamShard, Table
from moto.dynamodb.parsing import ast_nodes, expressions, validators
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator
from moto.dynamodb.responses import DynamoHandler

# True while our wrapper runs moto's transact_write_items: its whole-table "backup" is then the
# table itself, as we keep our own per-item backup instead.
_IN_TRANSACTION: contextvars.ContextVar[bool] = contextvars.ContextVar("quollo_moto_transaction", default=False)
_APPLIED = False
_LOCK = threading.Lock()


def apply() -> None:
    """Patch moto in this process (idempotent). Called before the embedded moto server starts."""
    global _APPLIED
    with _LOCK:
        if _APPLIED:
            return
        for cls in _dynamodb_models():
            cls.__new__ = staticmethod(_untracked_new)  # type: ignore[method-assign,assignment]
        Table.__deepcopy__ = _table_deepcopy  # type: ignore[attr-defined]
        original = DynamoDBBackend.transact_write_items
        DynamoDBBackend.transact_write_items = functools.wraps(original)(  # type: ignore[method-assign]
            _transact_write_items(original)
        )
        add = StreamShard.add
        StreamShard.add = functools.wraps(add)(_trimmed_add(add))  # type: ignore[method-assign]
        handle = DynamoHandler.transact_write_items
        DynamoHandler.transact_write_items = functools.wraps(handle)(  # type: ignore[method-assign]
            _idempotent_transactions(handle)
        )
        for validator in (ActionCountValidator, OverlappingPathsValidator):
            validator.traverse = _at_the_root(validator.traverse)
        # These two modules start with `# type: ignore`: mypy sees none of their names.
        traverser: Any = getattr(ast_nodes, "DepthFirstTraverser")  # noqa: B009
        traverser.nodes_to_be_processed = _kinds_once
        parser: Any = getattr(expressions, "UpdateExpressionParser")  # noqa: B009
        parser.make = staticmethod(functools.lru_cache(maxsize=PARSED_EXPRESSIONS_KEPT)(parser.make))
        validators.Validator.__init__ = functools.wraps(validators.Validator.__init__)(  # type: ignore[method-assign]
            _copied_by_pickle(validators.Validator.__init__)
        )
        process = BotocoreStubber.process_request
        BotocoreStubber.process_request = functools.wraps(process)(  # type: ignore[method-assign]
            _serialized_dynamodb(process)
        )
        _APPLIED = True


# 5. In-process moto answers each SDK call on the caller's thread. DynamoDB serializes the writes to
# an item (a condition holds when the write lands); moto checks, then writes, so threads interleave
# between the two. One lock around every DynamoDB request makes each one atomic, as the embedded
# server already is (it answers one request at a time). Other services keep running concurrently.
_DYNAMODB_LOCK = threading.RLock()


def _serialized_dynamodb(process: Any) -> Any:
    def process_request(self: Any, request: Any) -> Any:
        if "dynamodb." not in request.url:  # tables and their streams alike
            return process(self, request)
        with _DYNAMODB_LOCK:
            return process(self, request)

    return process_request


# 4. ClientRequestToken, as DynamoDB keeps it: for 10 minutes after a successful TransactWriteItems,
# the same token with the same items is answered as that success without writing again, and with
# other items is refused. A cancelled transaction records nothing (its retry runs again).
TOKEN_SECONDS = 600
_tokens: dict[str, tuple[str, float, Any]] = {}


class IdempotentParameterMismatch(DynamodbException):
    def __init__(self) -> None:
        super().__init__(
            ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
            message="The ClientRequestToken was used with other request parameters within the last 10 minutes",
        )


def _idempotent_transactions(handle: Any) -> Any:
    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return handle(self)
        content = json.dumps(self.body.get("TransactItems"), sort_keys=True)
        now = time.monotonic()
        with _LOCK:
            for stale in [key for key, (_, at, _) in _tokens.items() if now - at > TOKEN_SECONDS]:
                del _tokens[stale]
            seen = _tokens.get(token)
        if seen is not None:
            if seen[0] != content:
                raise IdempotentParameterMismatch()
            return seen[2]
        answer = handle(self)
        with _LOCK:
            _tokens[token] = (content, now, answer)
        return answer

    return transact_write_items


# 3. (webhooks) moto keeps every stream record of the interviews table forever; DynamoDB keeps
# them 24 hours. The webhook worker reads the stream every 0.2 s, so the newest records are all it
# needs: older ones are dropped, and the shard's starting sequence number moves past them.
STREAM_RECORDS_KEPT = 1000


def _trimmed_add(add: Any) -> Any:
    def trimmed(self: StreamShard, old: Any, new: Any) -> None:
        add(self, old, new)
        extra = len(self.items) - STREAM_RECORDS_KEPT
        if extra > 0:
            del self.items[:extra]
            self.starting_sequence_number += extra

    return trimmed


# 6. moto parses `SET a = :a REMOVE b, c, ...` into a right-leaning chain of UpdateExpression nodes,
# and these two validators run their whole-expression check (count the SET/ADD/REMOVE clauses; find
# overlapping paths) at every node of the chain: each check walks the node's whole subtree, so an
# expression of n actions costs n² node visits. A node's clauses are a subset of the root's, so a
# clause counted twice or a path written twice anywhere is one at the root too: checking the root
# alone refuses the same expressions with the same exceptions, in linear time.
def _at_the_root(traverse: Any) -> Any:
    def at_the_root(self: Any, node: Any) -> Any:
        if isinstance(node, getattr(ast_nodes, "UpdateExpression")):  # noqa: B009 (see apply)
            return self.process(node)
        return traverse(self, node)

    return at_the_root


# Every traverser asks at every node which node types it processes, and moto builds its processing
# map (a new dict of bound methods) to answer; the answer is the same for the traverser's whole walk.
def _kinds_once(self: Any) -> tuple[type, ...]:
    kinds: tuple[type, ...] | None = self.__dict__.get("_quollo_kinds")
    if kinds is None:
        kinds = self.__dict__["_quollo_kinds"] = tuple(self._processing_map())
    return kinds


# The parse of an UpdateExpression depends on its text alone, and moto never changes a parsed tree:
# the validator works on a deep copy, and the other readers only look for clauses. So one parse per
# distinct text serves every request (lru_cache keeps no failed parse: those raise every time).
PARSED_EXPRESSIONS_KEPT = 1024


# 7. The validator deep-copies the tree it is given (it replaces names and values in place), once per
# request. A pickle of the tree, taken once and kept on the cached tree itself, unpickles to the same
# fresh copy ten times faster; a tree that changes after its pickle was taken would be a moto bug the
# validator's own deepcopy would not have, but moto never changes a parsed tree (above).
_PICKLED = "_quollo_pickled"


def _copied_by_pickle(init: Any) -> Any:
    def copied(self: Any, expression: Any, *args: Any, **kwargs: Any) -> None:
        init(self, _FreshCopy(expression), *args, **kwargs)

    return copied


class _FreshCopy:
    """What the validator's `deepcopy(expression)` call sees: an object whose deep copy is a fresh
    tree unpickled from the cached pickle of `expression`."""

    __slots__ = ("tree",)

    def __init__(self, tree: Any) -> None:
        self.tree = tree

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        pickled: bytes | None = self.tree.__dict__.get(_PICKLED)
        if pickled is None:
            pickled = pickle.dumps(self.tree, pickle.HIGHEST_PROTOCOL)
            self.tree.__dict__[_PICKLED] = pickled
        return pickle.loads(pickled)  # noqa: S301 - our own pickle of moto's tree, made above


def _dynamodb_models() -> Iterator[type]:
    pending: list[type] = [BaseModel]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("moto.dynamodb."):
            yield cls


def _untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    # BaseModel.__new__ without the append to cls.instances_tracked.
    return object.__new__(cls)


def _table_deepcopy(self: Any, memo: dict[int, Any]) -> Any:
    if _IN_TRANSACTION.get():
        return self  # moto's transaction "backup": the real backup is per item, see below
    # What copy.deepcopy does for a plain object without __deepcopy__ (Backup still copies tables).
    cls = self.__class__
    result = cls.__new__(cls)
    memo[id(self)] = result
    result.__dict__.update(copy.deepcopy(self.__dict__, memo))
    return result


_Slot = tuple[str, Any, Any]  # (table name, hash key, range key or None)


def _transact_write_items(original: Any) -> Any:
    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        before, streams = _backup(self, transact_items)
        token = _IN_TRANSACTION.set(True)
        try:
            original(self, transact_items)
        except BaseException:
            _restore(self, before, streams)
            raise
        finally:
            _IN_TRANSACTION.reset(token)

    return transact_write_items


def _backup(backend: Any, transact_items: list[dict[str, Any]]) -> tuple[dict[_Slot, Any], dict[str, Any]]:
    """A deep copy of each item a Put, Update or Delete targets (None: absent), before any runs."""
    before: dict[_Slot, Any] = {}
    streams: dict[str, Any] = {}
    for entry in transact_items:
        target = _target(backend, entry)
        if target is None:
            continue
        table, hash_key, range_key = target
        slot = (table.name, hash_key, range_key)
        if slot not in before:
            # A deep copy: UpdateItem changes the stored Item in place.
            before[slot] = copy.deepcopy(table.get_item(hash_key, range_key))
        shard = table.stream_shard
        if shard is not None and table.name not in streams:
            streams[table.name] = (shard, shard.items, len(shard.items))
    return before, streams


def _target(backend: Any, entry: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """(table, hash key, range key) that one operation may write; None when it can write nothing."""
    try:
        (op_type, op), *_ = entry.items()
        table = backend.tables.get(op.get("TableName"))
        if table is None or op_type not in ("Put", "Update", "Delete"):
            return None
        if op_type == "Put":
            attrs = op["Item"]
            key = {name: attrs[name] for name in (table.hash_key_attr, table.range_key_attr) if name}
        else:
            key = op["Key"]
        hash_key, range_key = backend.get_keys_value(table, key)
    except Exception:
        # Malformed: moto's own parsing of the same operation fails before it writes anything.
        return None
    return table, hash_key, range_key


def _restore(backend: Any, before: dict[_Slot, Any], streams: dict[str, Any]) -> None:
    for (table_name, hash_key, range_key), item in before.items():
        table = backend.tables.get(table_name)
        if table is None:
            continue
        if range_key is None:
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
        elif item is None:
            table.items[hash_key].pop(range_key, None)
        else:
            table.items[hash_key][range_key] = item
    # Stream records of the undone writes: moto's whole-table copy took the stream shard back too.
    for shard, records, length in streams.values():
        if shard.items is records:
            del records[length:]
