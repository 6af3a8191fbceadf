"""Running the extensions' hooks of each operation without rebuilding them each time.

For every operation Strawberry enters four stages (operation, parsing, validation,
execution) and, for each, asks every extension whether it has a hook there (16 lookups
with the service's four extensions), wraps each hook it finds in a new
`contextlib.contextmanager` (a function, `functools.update_wrapper`, a context manager
object: six a request) and runs them in an `AsyncExitStack`. That is about half of what
Strawberry costs a request beyond graphql-core's execution.

`LeanHooksSchema` runs the same hooks, in the same order, with the same meaning: which
extension class has a hook at which stage is looked up once per class; each hook (a
generator function, as all of the service's are) is entered by advancing its generator,
and left innermost first, as `contextlib.contextmanager` and `ExitStack` leave them: an
exception of the stage thrown into each hook, which may let it pass, swallow it or raise
another (which the hooks further out then see). A stage with a hook of any other kind (an
async generator, a plain method) runs through Strawberry's own context manager, unchanged.
tests/unit/test_hooks.py holds both to what Strawberry does.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Generator
from types import TracebackType
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

Hook = Callable[[SchemaExtension], Generator[None, None, None]]

# (extension class, stage's hook name) -> its hook, None (it has none there), or _OTHER (a
# hook that is not a generator function: the stage runs through Strawberry's manager).
_HOOKS: dict[tuple[type[SchemaExtension], str], Hook | object | None] = {}
_OTHER = object()


def _hook(extension_class: type[SchemaExtension], name: str) -> Hook | object | None:
    key = (extension_class, name)
    try:
        return _HOOKS[key]
    except KeyError:
        function = getattr(extension_class, name)
        if function is getattr(SchemaExtension, name):
            found: Hook | object | None = None
        elif inspect.isgeneratorfunction(function):
            found = function
        else:
            found = _OTHER
        _HOOKS[key] = found
        return found


class Stage:
    """One stage's hooks, entered in the extensions' order and left innermost first."""

    __slots__ = ("entered", "hooks")

    def __init__(self, hooks: list[tuple[Hook, SchemaExtension]]) -> None:
        self.hooks = hooks
        self.entered: list[Generator[None, None, None]] = []

    def __enter__(self) -> None:
        for hook, extension in self.hooks:
            generator = hook(extension)
            try:
                next(generator)
            except StopIteration:
                raise RuntimeError("generator didn't yield") from None
            self.entered.append(generator)

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None,
    ) -> bool:
        pending = error
        while self.entered:
            pending = _leave(self.entered.pop(), pending)
        if pending is error:
            return False  # nothing happened, or the stage's exception goes on
        if pending is None:
            return True  # a hook swallowed the stage's exception
        raise pending  # a hook raised while it was left: that goes on instead

    async def __aenter__(self) -> None:
        self.__enter__()

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None,
    ) -> bool:
        return self.__exit__(kind, error, traceback)


def _leave(generator: Generator[None, None, None], pending: BaseException | None) -> BaseException | None:
    """Resume a hook after its stage, as contextlib.contextmanager does (with `pending`, the
    exception so far, thrown into it); the exception after it, None if there is none."""
    try:
        if pending is None:
            next(generator)
        else:
            generator.throw(pending)
    except StopIteration as stop:
        return pending if stop is pending else None  # finished: it swallowed `pending`
    except RuntimeError as raised:
        # A StopIteration thrown into a generator comes out as a RuntimeError (PEP 479).
        if isinstance(pending, StopIteration) and raised.__cause__ is pending:
            return pending
        return raised
    except BaseException as raised:  # noqa: BLE001 - handed on, as ExitStack hands it on
        return raised
    message = "generator didn't stop" if pending is None else "generator didn't stop after throw()"
    return RuntimeError(message)


class LeanHooksRunner(SchemaExtensionsRunner):
    """Strawberry's runner, with the stages whose hooks are all generator functions run by
    `Stage` (see the module)."""

    def _stage(self, strawberry_stage: type[ExtensionContextManagerBase]) -> Any:
        hooks: list[tuple[Hook, SchemaExtension]] = []
        for extension in self.extensions:
            hook = _hook(type(extension), strawberry_stage.HOOK_NAME)
            if hook is _OTHER:
                return strawberry_stage(self.extensions)
            if hook is not None:
                hooks.append((hook, extension))  # type: ignore[arg-type]
        return Stage(hooks)

    def operation(self) -> Any:
        return self._stage(OperationContextManager)

    def validation(self) -> Any:
        return self._stage(ValidationContextManager)

    def parsing(self) -> Any:
        return self._stage(ParsingContextManager)

    def executing(self) -> Any:
        return self._stage(ExecutingContextManager)


class LeanHooksSchema(strawberry.Schema):
    """A schema whose operations run their extensions' hooks through `LeanHooksRunner`."""

    def create_extensions_runner(
        self, execution_context: ExecutionContext, extensions: list[SchemaExtension]
    ) -> SchemaExtensionsRunner:
        return LeanHooksRunner(execution_context=execution_context, extensions=extensions)
