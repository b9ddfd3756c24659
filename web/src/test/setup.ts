import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy* and waitFor give up after 1 s by default; the suite runs beside the broker tests on
// two busy cores, where a first render alone can take longer.
configure({ asyncUtilTimeout: 5_000 });

afterEach(() => cleanup());
