import { parseBlock } from "./sse";

test("an event block gives its id, name and JSON data", () => {
  expect(parseBlock('id: 7\nevent: voice.ready\ndata: {"video_id":"v1"}')).toEqual({
    id: 7, event: "voice.ready", data: { video_id: "v1" },
  });
});

test("a ping comment is not an event", () => {
  expect(parseBlock(": ping")).toBeNull();
});
