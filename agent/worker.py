"""The reference voice agent worker: joins the room its dispatch names, exchanges the dispatch ticket for its
credential, loads the tools from the API and lets the model call them (agent/toolbox.py does all of that part).

    pip install -r agent/requirements.txt
    STVOS_API_URL=http://127.0.0.1:3000 STVOS_AGENT_SECRET=... LIVEKIT_URL=... LIVEKIT_API_KEY=... \\
        LIVEKIT_API_SECRET=... HUME_API_KEY=... python -m agent.worker dev

The agent name it registers (STVOS_AGENT_NAME, default `fitness-coach`) is the one `POST /livekit/token`
dispatches. Speech: LiveKit Inference for speech-to-text and the model (STVOS_STT, STVOS_LLM), Hume's voice
through LiveKit's Hume plugin. Only this file imports livekit-agents.
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from livekit.agents import Agent, AgentServer, AgentSession, JobContext, RunContext, cli, function_tool
from livekit.plugins import hume, silero

from agent.toolbox import Http, Toolbox, WorkerRefused, exchange

INSTRUCTIONS = """You are the member's fitness coach in their studio's app. Speak briefly and warmly.
Use the tools for anything about the member's plans, progress, classes or bookings; say what a tool's `say` says.
Before booking, cancelling or joining anything: call the prepare tool, read its summary to the member, and call
`confirm` only after they say yes. If a tool answers `alreadyDone`, it is done: tell the member, do not retry.
{context}"""

log = logging.getLogger("stvos-agent")
server = AgentServer()


def _tool(toolbox: Toolbox, definition: dict[str, Any]) -> Any:
    name = definition["function"]["name"]

    async def call(raw_arguments: dict[str, Any], context: RunContext) -> dict[str, Any]:
        call_id = str(getattr(context.function_call, "call_id", "") or "")
        return await asyncio.to_thread(toolbox.call, name, raw_arguments, call_id)

    return function_tool(call, raw_schema={"type": "function", **definition["function"]})


@server.rtc_session(agent_name=os.environ.get("STVOS_AGENT_NAME", "fitness-coach"))  # type: ignore[untyped-decorator]
async def entrypoint(ctx: JobContext) -> None:
    http = Http(os.environ["STVOS_API_URL"])
    try:
        credential = await asyncio.to_thread(exchange, http, ctx.job.metadata, os.environ["STVOS_AGENT_SECRET"])
        toolbox = await asyncio.to_thread(Toolbox.load, http, credential)
    except WorkerRefused as refused:
        log.warning("leaving the room: %s (%s)", refused, refused.reason)
        ctx.shutdown(reason=refused.reason)
        return
    first = await asyncio.to_thread(toolbox.call, "get_context", {}, "first-turn") \
        if "get_context" in toolbox.routes else {}
    session = AgentSession(stt=os.environ.get("STVOS_STT", "deepgram/nova-3"),
                           llm=os.environ.get("STVOS_LLM", "openai/gpt-4.1-mini"),
                           tts=hume.TTS(), vad=silero.VAD.load())

    @session.on("user_input_transcribed")  # type: ignore[untyped-decorator]
    def _heard(event: Any) -> None:
        if getattr(event, "is_final", False):
            toolbox.user_turn()

    agent = Agent(instructions=INSTRUCTIONS.format(context=first.get("say", "")),
                  tools=[_tool(toolbox, d) for d in toolbox.definitions])
    await session.start(room=ctx.room, agent=agent)


if __name__ == "__main__":
    cli.run_app(server)
