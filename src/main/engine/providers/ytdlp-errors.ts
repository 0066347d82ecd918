import { AppError, type ErrorCode } from '../../../shared/errors';

/**
 * yt-dlp's error lines mapped to codes and sentences a user can act on. Order matters: the first match wins,
 * and specific causes (disk, sign-in) come before the generic HTTP/network ones they are often wrapped in.
 */
const RULES: Array<[RegExp, ErrorCode, string]> = [
  // yt-dlp's own post-processing (metadata/thumbnail embedding, merging) chokes on a file that is not media
  [/Postprocessing:.*(Invalid data found|moov atom not found|could not find codec|Error opening input|Conversion failed)/i, 'ERR_VALIDATION', 'The downloaded file is not a valid video (ffmpeg could not read it); it was discarded. Retry, or check the link.'],
  [/No space left on device|Errno 28|ENOSPC|Disk quota exceeded/i, 'ERR_DISK', 'The disk is full: free some space in the library folder, then retry.'],
  [/Read-only file system|Errno 30|Permission denied|Errno 13/i, 'ERR_DISK', 'ClipHarbor cannot write to the library folder: check its permissions or choose another folder in Settings.'],
  [/Unsupported URL/i, 'ERR_UNSUPPORTED_URL', 'This page has no video ClipHarbor can download (unsupported site or no video found). Check the link points at a video page.'],
  [/Sign in to confirm|not a bot|confirm your age|age[- ]restricted|login required|requires? (?:a )?login|cookies.*(?:needed|required)|use --cookies|account.*(?:required|needed)/i, 'ERR_BOT_CHECK', 'The site asks to sign in or prove you are not a bot: add a cookies file in Settings → Accounts, then retry.'],
  [/not (?:made )?available (?:in|from) your (?:country|location)|geo[- ]?restrict|blocked in your country/i, 'ERR_GEO_BLOCKED', 'The video is blocked in your region: try a proxy or VPN (Settings → Network).'],
  [/Private video|Video unavailable|This video (?:is|has been) (?:unavailable|removed|private)|has been removed|does not exist|no longer available|HTTP Error 404|HTTP Error 410|members[- ]only/i, 'ERR_UNAVAILABLE', 'The video is unavailable: it may be private, deleted or the link is wrong.'],
  [/HTTP Error 403/i, 'ERR_HTTP_403', 'The server refused the download (HTTP 403). Update yt-dlp, or add a cookies file in Settings, then retry.'],
  [/HTTP Error 429|Too Many Requests/i, 'ERR_HTTP_429', 'The site is rate-limiting downloads (HTTP 429): ClipHarbor will retry later.'],
  [/HTTP Error 5\d\d/i, 'ERR_HTTP_5XX', 'The site had a server error: ClipHarbor will retry shortly.'],
  [/timed? ?out|Connection (?:refused|reset|aborted)|Network is unreachable|Name or service not known|Temporary failure in name resolution|getaddrinfo|Unable to download webpage|IncompleteRead|RemoteDisconnected|EOF occurred|Unable to connect|Connection broken|did not get any data blocks/i, 'ERR_NETWORK', 'Network problem while downloading: check your connection; ClipHarbor will retry.'],
];

export function classifyYtdlpError(stderr: string, exitCode: number | null): AppError {
  const errorLines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('ERROR:'));
  const haystack = errorLines.length > 0 ? errorLines.join('\n') : stderr;
  for (const [re, code, sentence] of RULES) {
    if (re.test(haystack)) return new AppError(code, withDetail(sentence, errorLines));
  }
  if (exitCode === 2) return new AppError('ERR_PROCESS', withDetail('yt-dlp rejected its options: update yt-dlp or check Settings.', errorLines));
  return new AppError('ERR_UNKNOWN', withDetail('yt-dlp could not download this video.', errorLines));
}

/** Appends yt-dlp's own last error line, without its boilerplate "please report this issue" tail. */
function withDetail(sentence: string, errorLines: string[]): string {
  const last = errorLines.at(-1);
  if (!last) return sentence;
  const detail = last
    .replace(/^ERROR:\s*/, '')
    .replace(/;?\s*please report this issue.*$/is, '')
    .replace(/\s*\(caused by .*\)$/s, '')
    .slice(0, 300);
  return `${sentence} (yt-dlp: ${detail})`;
}
