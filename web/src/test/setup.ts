import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterEach } from "vitest";

// findBy*/waitFor wait up to 10 s, not Testing Library's 1 s: `make test` runs vitest beside two
// other pytest sessions, and on a loaded machine a page's first render can take over a second.
configure({ asyncUtilTimeout: 10_000 });

afterEach(() => cleanup());
