"""``crm.pipelines``: the pipelines of a Deals layout and their stages (``/settings/pipeline``)."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Mapping
from typing import Any, Unpack

from .._exceptions import InvalidArgumentError
from .._http._options import RequestOptionsDict
from .._models import WriteResult, WriteResults
from .._org_entities import Pipeline
from ._checks import check_id
from ._collection import Collection
from ._common import single_result

__all__ = ["PipelinesManager"]

PipelineItem = Mapping[str, Any] | Pipeline


class PipelinesManager(Collection):
    """Pipelines of a Deals layout: each a named sequence of stages (values of ``Stage``).

    Every call names the layout (``crm.modules.layouts("Deals")`` gives the ids). Deleting a
    pipeline that deals use needs them moved first: :meth:`transfer`.
    """

    path = "settings/pipeline"
    key = "pipeline"
    model = Pipeline
    what = "pipeline"

    async def list(
        self, layout_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> builtins.list[Pipeline]:
        """The pipelines of a layout, each with its stages.

        Args:
            layout_id: The Deals layout's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The pipelines (``pipeline.stages`` in order).

        Raises:
            InvalidArgumentError: ``layout_id`` is not a Zoho id.
        """
        return await self._all(options, _layout(layout_id))

    async def get(
        self, layout_id: str | int, pipeline_id: str | int, **options: Unpack[RequestOptionsDict]
    ) -> Pipeline:
        """One pipeline of a layout.

        Args:
            layout_id: The Deals layout's id.
            pipeline_id: The pipeline's id.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            The pipeline.

        Raises:
            InvalidArgumentError: A bad id.
            EmptyResultError: The layout has no such pipeline.
        """
        pipeline: Pipeline = await self._one(pipeline_id, options, _layout(layout_id))
        return pipeline

    async def create(
        self,
        layout_id: str | int,
        pipelines: Iterable[PipelineItem],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Add pipelines to a layout.

        Args:
            layout_id: The Deals layout's id.
            pipelines: Each with ``display_value`` (its name), ``default`` and ``maps``: the
                stages, each ``{"display_value": <a Stage value>, "sequence_number": n}``.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per pipeline, in input order (the new ids in ``results.ids``).

        Raises:
            InvalidArgumentError: A bad layout id, or an item that is not a dict.
        """
        return await self._create(pipelines, options, _layout(layout_id))

    async def update(
        self,
        layout_id: str | int,
        pipelines: Iterable[PipelineItem],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResults:
        """Rename pipelines or change their stages.

        Args:
            layout_id: The Deals layout's id.
            pipelines: Each names its ``id`` and the keys to change; ``maps`` replaces the
                stages.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            A result per pipeline, in input order.

        Raises:
            InvalidArgumentError: A bad layout id, or an item without ``id``.
        """
        return await self._update(pipelines, options, _layout(layout_id))

    async def delete(
        self,
        layout_id: str | int,
        pipeline_id: str | int,
        *,
        permanent: bool = True,
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Delete a pipeline of a layout (no deal may use it: :meth:`transfer` them first).

        Args:
            layout_id: The Deals layout's id.
            pipeline_id: The pipeline's id.
            permanent: Zoho's ``_delete.permanent`` flag.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result for the pipeline.

        Raises:
            InvalidArgumentError: A bad id, or ``permanent`` not a bool.
            APIError: Zoho refused (e.g. the layout's only or default pipeline).
        """
        if not isinstance(permanent, bool):
            raise InvalidArgumentError(f"permanent must be True or False, got {permanent!r}")
        answer = await self._session.answer(
            "PATCH",
            self._item_path(pipeline_id),
            options,
            params=_layout(layout_id),
            json={self.key: [{"_delete": {"permanent": permanent}}]},
        )
        return single_result(answer, self.key)

    async def transfer(
        self,
        layout_id: str | int,
        from_pipeline: str | int,
        to_pipeline: str | int,
        stages: Mapping[str | int, str | int],
        **options: Unpack[RequestOptionsDict],
    ) -> WriteResult:
        """Move the deals of one pipeline to another, stage by stage.

        Args:
            layout_id: The Deals layout's id.
            from_pipeline: The pipeline whose deals move.
            to_pipeline: The pipeline they move to.
            stages: Stage id in ``from_pipeline`` -> stage id in ``to_pipeline``, for every
                stage that has deals.
            **options: Per-call request options (``timeout``, ``max_retries``, ``headers``,
                ``params``); see :class:`~zcrm_async.RequestOptionsDict`.

        Returns:
            Zoho's result; the transfer runs as a job (``result.details["job_id"]``).

        Raises:
            InvalidArgumentError: A bad id, or no stages mapped.
        """
        if not isinstance(stages, Mapping) or not stages:
            raise InvalidArgumentError(
                "stages must map each stage id of from_pipeline to a stage id of to_pipeline, "
                f"got {stages!r}"
            )
        item = {
            "pipeline": {
                "from": check_id(from_pipeline, "from_pipeline id"),
                "to": check_id(to_pipeline, "to_pipeline id"),
            },
            "stages": [
                {"from": check_id(old, "stage id"), "to": check_id(new, "stage id")}
                for old, new in stages.items()
            ],
        }
        answer = await self._session.answer(
            "POST",
            f"{self.path}/actions/transfer",
            options,
            params=_layout(layout_id),
            json={"transfer_pipeline": [item]},
        )
        return single_result(answer, "transfer_pipeline")


def _layout(layout_id: str | int) -> dict[str, str]:
    return {"layout_id": check_id(layout_id, "layout id")}
