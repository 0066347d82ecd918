#!/usr/bin/env node
// A stand-in for a newer yt-dlp talking to YouTube, which these machines cannot reach. It answers the way
// yt-dlp does (same flags, --print/--progress-template output, error lines and exit codes) and logs the
// argument arrays it received to $FAKE_YTDLP_LOG. Player clients listed in $FAKE_YTDLP_FAIL fail with
// YouTube's bot check; others "download" by copying $FAKE_YTDLP_MEDIA.
import fs from 'node:fs';
import path from 'node:path';

const argv = process.argv.slice(2);
if (process.env.FAKE_YTDLP_LOG) fs.appendFileSync(process.env.FAKE_YTDLP_LOG, `${JSON.stringify(argv)}\n`);
if (argv.includes('--version')) {
  process.stdout.write('2026.11.01\n');
  process.exit(0);
}
if (argv.includes('--help')) {
  process.stdout.write('Usage: yt-dlp [OPTIONS] URL [URL...]\n    --color [STREAM:]POLICY  Whether to emit color codes\n    --js-runtimes RUNTIME[:PATH]  Additional JavaScript runtime\n');
  process.exit(0);
}
const sep = argv.indexOf('--');
if (sep < 0 || sep !== argv.length - 2) {
  process.stderr.write('yt-dlp: error: the URL must follow --\n');
  process.exit(2);
}
const url = argv[sep + 1];
const parsed = new URL(url);
const id = parsed.searchParams.get('v') ?? parsed.pathname.split('/').filter(Boolean).at(-1) ?? 'unknown';
const info = { id, title: `Fake video ${id}`, extractor_key: 'Youtube', uploader: 'Fake Channel', webpage_url: `https://www.youtube.com/watch?v=${id}`, ext: 'mp4', duration: 5 };
if (argv.includes('-J')) {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  process.exit(0);
}
const ea = argv[argv.indexOf('--extractor-args') + 1];
const client = argv.includes('--extractor-args') ? ea.replace('youtube:player_client=', '') : 'default';
const failing = (process.env.FAKE_YTDLP_FAIL ?? '').split(',');
if (failing.includes(client)) {
  process.stderr.write(`[youtube] Extracting URL: ${url}\nERROR: [youtube] ${id}: Sign in to confirm you\u2019re not a bot. Use --cookies-from-browser or --cookies for the authentication.\n`);
  process.exit(1);
}
const prints = argv.flatMap((a, i) => (a === '--print' ? [argv[i + 1]] : []));
const marker = (when) => prints.find((p) => p.startsWith(`${when}:`))?.slice(when.length + 1).split('%(')[0] ?? '';
const out = argv[argv.indexOf('-o') + 1].replace('%(ext)s', 'mp4');
fs.mkdirSync(path.dirname(out), { recursive: true });
process.stdout.write(`${marker('before_dl')}${JSON.stringify(info)}\n`);
const size = fs.statSync(process.env.FAKE_YTDLP_MEDIA).size;
const progressMarker = argv[argv.indexOf('--progress-template') + 1].replace(/^download:/, '').split('%(')[0];
process.stdout.write(`${progressMarker}${JSON.stringify({ status: 'downloading', downloaded_bytes: size / 2, total_bytes: size, speed: 1e6, eta: 1, filename: out })}\n`);
fs.copyFileSync(process.env.FAKE_YTDLP_MEDIA, out);
process.stdout.write(`${progressMarker}${JSON.stringify({ status: 'finished', downloaded_bytes: size, total_bytes: size, filename: out })}\n`);
process.stdout.write(`${marker('after_move')}${path.resolve(out)}\n`);
