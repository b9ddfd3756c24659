// The next times a five-field cron schedule fires, shown under the schedule field so a person
// sees what "0 9 * * 1-5" means before saving it. Times are computed in the given zone.

function parseField(text: string, min: number, max: number): Set<number> | null {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) return null;
    let lo = min;
    let hi = max;
    if (range !== "*") {
      const [a, b] = range.split("-");
      lo = Number(a);
      hi = b === undefined ? (stepText ? max : lo) : Number(b);
    }
    if (![lo, hi].every(Number.isInteger) || lo < min || hi > max || lo > hi) return null;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

const formats = new Map<string, Intl.DateTimeFormat>();

/** Wall-clock parts of ``date`` in ``timeZone`` (IANA name). */
function partsIn(date: Date, timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric",
      hour: "numeric", minute: "numeric", weekday: "short",
    });
    formats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(date).map((x) => [x.type, x.value]));
  const dow = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"].indexOf(p.weekday);
  return { month: Number(p.month), day: Number(p.day), hour: Number(p.hour), minute: Number(p.minute), dow };
}

/** The next ``count`` firing times after ``from``, or null when the expression is not valid. */
export function nextSlots(expression: string, count = 5, timeZone = "UTC", from = new Date()): Date[] | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5) return null;
  const [mi, h, dom, mon, dow] = [
    parseField(fields[0], 0, 59), parseField(fields[1], 0, 23), parseField(fields[2], 1, 31),
    parseField(fields[3], 1, 12), parseField(fields[4].replace(/\b7\b/, "0"), 0, 6),
  ];
  if (!mi || !h || !dom || !mon || !dow) return null;
  try {
    partsIn(from, timeZone);
  } catch {
    return null;
  }
  const domAny = fields[2] === "*";
  const dowAny = fields[4] === "*";
  const out: Date[] = [];
  const minute = 60_000;
  let t = Math.floor(from.getTime() / minute + 1) * minute;
  const end = t + 366 * 86_400_000;
  while (t < end && out.length < count) {
    const p = partsIn(new Date(t), timeZone);
    const dayOk = mon.has(p.month) && (domAny || dowAny ? dom.has(p.day) && dow.has(p.dow) : dom.has(p.day) || dow.has(p.dow));
    if (!dayOk) t += ((23 - p.hour) * 60 + (60 - p.minute)) * minute; // to the next midnight
    else if (!h.has(p.hour)) t += (60 - p.minute) * minute; // to the next hour
    else {
      if (mi.has(p.minute)) out.push(new Date(t));
      t += minute;
    }
  }
  return out;
}
