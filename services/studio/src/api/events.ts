// Server-sent events read with fetch, because EventSource cannot send the Authorization
// header. Parsed as the HTML standard says: `event:`, `data:` (joined by newlines), `id:`,
// a blank line ends an event; comments (`:`) are ignored.

import { api } from "./client";

export interface ServerEvent {
  event: string;
  data: string;
  id: string;
}

export async function* serverEvents(path: string, signal: AbortSignal): AsyncGenerator<ServerEvent> {
  const response = await api.stream(path, signal);
  if (!response.body) return;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  let event = "message";
  let data: string[] = [];
  let id = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end: number;
    while ((end = buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith("\r\n", end) ? 2 : 1));
      if (line === "") {
        if (data.length) yield { event, data: data.join("\n"), id };
        event = "message";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const text = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = text;
      else if (field === "data") data.push(text);
      else if (field === "id") id = text;
    }
  }
}
