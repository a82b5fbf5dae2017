from exchangekit.ratelimit.lane import effective_priority, priority_lane
from exchangekit.ratelimit.spec import Priority


def test_lane_raises_priority_but_never_lowers_it() -> None:
    assert effective_priority(Priority.MARKET_DATA) is Priority.MARKET_DATA
    with priority_lane(Priority.KILL_SWITCH):
        assert effective_priority(Priority.ORDER) is Priority.KILL_SWITCH
        assert effective_priority(Priority.MARKET_DATA) is Priority.KILL_SWITCH
    with priority_lane(Priority.ORDER):
        assert effective_priority(Priority.CANCEL) is Priority.CANCEL
    assert effective_priority(Priority.ORDER) is Priority.ORDER


async def test_lane_follows_tasks_started_inside_it() -> None:
    import asyncio

    async def seen() -> Priority:
        return effective_priority(Priority.MARKET_DATA)

    with priority_lane(Priority.CANCEL):
        task = asyncio.create_task(seen())
    assert await task is Priority.CANCEL
