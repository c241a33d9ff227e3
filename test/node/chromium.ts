/**
 * The browser every page test drives: Debian's Chromium (CI installs it;
 * `CHROMIUM_PATH` points elsewhere), headless, with nothing running in the
 * background that could reach the network, and media allowed to play without
 * a gesture (the demo and the players autoplay muted).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}
