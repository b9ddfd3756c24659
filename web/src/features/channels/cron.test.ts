import { nextSlots } from "./cron";

test("weekday mornings skip the weekend", () => {
  const from = new Date("2026-12-04T10:00:00Z"); // a Friday
  const slots = nextSlots("0 9 * * 1-5", 3, "UTC", from)!;
  expect(slots.map((d) => d.toISOString())).toEqual([
    "2026-12-07T09:00:00.000Z", "2026-12-08T09:00:00.000Z", "2026-12-09T09:00:00.000Z",
  ]);
});

test("the time zone moves the slot", () => {
  const from = new Date("2026-12-04T00:00:00Z");
  expect(nextSlots("30 8 * * *", 1, "Europe/Berlin", from)![0].toISOString()).toBe("2026-12-04T07:30:00.000Z");
});

test("a broken expression gives null", () => {
  expect(nextSlots("61 * * * *")).toBeNull();
  expect(nextSlots("every day")).toBeNull();
});
