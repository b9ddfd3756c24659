import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy* and waitFor give up after 1 s by default; `make test` runs Vitest beside the broker
// and gateway pytest sessions on two busy cores, where a first render alone can take longer
// (timed out at load 15, and at load ~10 in a three-session run where Vitest took 178 s).
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => cleanup());
