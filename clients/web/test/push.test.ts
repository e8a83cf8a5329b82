import { describe, expect, it } from "vitest";
import { deviceLabel, fromBase64Url } from "../src/push";

describe("web push helpers", () => {
  it("decodes the VAPID key (base64url without padding) into applicationServerKey bytes", () => {
    const bytes = fromBase64Url("BP8A_-7d");
    expect(Array.from(bytes)).toEqual([0x04, 0xff, 0x00, 0xff, 0xee, 0xdd]);
    expect(fromBase64Url("AQ").length).toBe(1);
  });

  it("names the device after its browser and system", () => {
    expect(deviceLabel("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36")).toBe("Chrome on Android");
    expect(deviceLabel("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")).toBe("Safari on iOS");
    expect(deviceLabel("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")).toBe("Firefox on Linux");
  });
});
