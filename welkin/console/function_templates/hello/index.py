"""The smallest function: greet whoever the event names."""


def handler(event, context):
    name = event.get("name", "world") if isinstance(event, dict) else "world"
    # Logger lines carry the request id; `welkin fn logs hello` shows them.
    context.getLogger().info(f"greeting {name}")
    return {"greeting": f"Hello, {name}!", "request_id": context.getRequestID()}
