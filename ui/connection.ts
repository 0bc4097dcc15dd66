/** Watches for the server coming back after a lost connection, and says so. */
import { API } from "./client.ts";
import { h } from "./dom.ts";
import { toast } from "./toast.ts";

/**
 * A banner shown while the Space is unreachable, and `lost()` to start polling `/app_id` until it answers.
 *
 * @example
 * const watch = connectionWatch(config.app_id, () => (submit.disabled = false));
 * if (err.connectionLost) watch.lost();
 */
export function connectionWatch(appId: number, onBack: () => void) {
  const banner = h("div", { class: "banner", role: "alert", hidden: true }, "Connection to the Space was lost. Reconnecting…");
  let polling = false;
  return {
    banner,
    lost() {
      if (polling) return;
      polling = true;
      banner.hidden = false;
      const poll = async () => {
        try {
          const { app_id } = await (await fetch(`${API}/app_id`, { cache: "no-store" })).json();
          polling = false;
          banner.hidden = true;
          toast(app_id === appId ? "Connection re-established." : "The Space restarted; you can go on.", "success", 5);
          onBack();
        } catch {
          setTimeout(poll, 1000);
        }
      };
      setTimeout(poll, 500);
    },
  };
}
