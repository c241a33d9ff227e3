#!/usr/bin/env bash
# Regenerates the development demo stream (dev/demo-stream/titles/demo):
# 20 s of a test pattern with a tone, 2 s HLS segments, about 0.5 MB.
# Needs ffmpeg (apt-get install ffmpeg). The output is committed, so nobody
# else needs to run this.
set -euo pipefail
out="$(dirname "$0")/../dev/demo-stream/titles/demo"
mkdir -p "$out" && cd "$out" && rm -f ./*.ts index.m3u8
ffmpeg -hide_banner -loglevel error \
  -f lavfi -i "testsrc2=size=426x240:rate=24:duration=20" -f lavfi -i "sine=frequency=440:duration=20" \
  -c:v libx264 -profile:v baseline -preset veryfast -b:v 120k -maxrate 150k -bufsize 300k -g 48 -keyint_min 48 -sc_threshold 0 \
  -c:a aac -b:a 32k -ac 1 \
  -f hls -hls_time 2 -hls_playlist_type vod -hls_segment_filename "seg-%03d.ts" index.m3u8
