/** The stages of a Space (Hugging Face's) as the host's pages name them; the Space page's script shows them too. */

/** Stage names as the chips say them. */
export const STAGE_NAMES: Record<string, string> = {
  RUNNING: "Running",
  BUILDING: "Building",
  APP_STARTING: "Starting",
  RUNNING_BUILDING: "Running · building",
  RUNNING_APP_STARTING: "Running · starting",
  BUILD_ERROR: "Build error",
  RUNTIME_ERROR: "Runtime error",
  SLEEPING: "Sleeping",
  PAUSED: "Paused",
  NO_APP_FILE: "No app yet",
};
