import { render, screen } from "@testing-library/react";
import { YouTubeProcessingChip, YouTubeProcessingNote } from "./YouTubeProcessing";
import type { Video } from "./api";

const published = (youtube: Video["youtube"]) => ({ id: "v1", status: "published", youtube }) as Video;
const processing = { upload_status: "uploaded", processing_status: "processing", processing: true, checked_at: "2026-11-02T18:00:00Z" };

test("a video YouTube is still processing says so, apart from one that is live", () => {
  const { unmount } = render(<><YouTubeProcessingChip video={published(processing)} /><YouTubeProcessingNote video={published(processing)} /></>);
  expect(screen.getByText("YouTube processing")).toBeInTheDocument();
  expect(screen.getByRole("status")).toHaveTextContent(/still processing it, so it is not watchable yet/);
  unmount();

  const live = { ...processing, upload_status: "processed", processing_status: "succeeded", processing: false };
  render(<><YouTubeProcessingChip video={published(live)} /><YouTubeProcessingNote video={published(live)} /></>);
  expect(screen.queryByText("YouTube processing")).not.toBeInTheDocument();
  expect(screen.getByRole("status")).toHaveTextContent(/finished processing it: it is live on YouTube/);
});

test("a video not on YouTube shows nothing about YouTube's processing", () => {
  const { container } = render(<><YouTubeProcessingChip video={published(null)} /><YouTubeProcessingNote video={published(null)} /></>);
  expect(container).toBeEmptyDOMElement();
});
