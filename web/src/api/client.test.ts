import { toError } from "./client";

test("a 422 becomes one reason per field, named by the last element of loc", async () => {
  const response = new Response(JSON.stringify({ detail: [
    { loc: ["body", "daily_budget_usd"], msg: "Input should be greater than 0" },
    { loc: ["body", "videos", 0, "topic"], msg: "Value error, topic is empty" },
  ] }), { status: 422 });
  const error = await toError(response);
  expect(error.fields).toEqual({ daily_budget_usd: "Input should be greater than 0", topic: "topic is empty" });
});

test("a plain refusal keeps the server's reason", async () => {
  const error = await toError(new Response(JSON.stringify({ detail: "channel limit reached (5)" }), { status: 409 }));
  expect(error.reason).toBe("channel limit reached (5)");
});
