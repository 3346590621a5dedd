/**
 * When to rotate and how to retry, as client-go's certificate manager does it for the kubelet.
 */

/**
 * The rotation deadline: notBefore plus 70-90 % of the certificate's lifetime, the fraction
 * drawn uniformly (nextRotationDeadline: a 20 % jitter over 70 % of the total duration).
 */
export function rotationDeadline(notBefore: number, notAfter: number, random: () => number = Math.random): number {
  const total = notAfter - notBefore;
  return notBefore + total * (0.7 + 0.2 * random());
}

/**
 * Delays between attempts to get a certificate: 2 s doubling for four more tries (each with up
 * to 10 % jitter), then every 32 s forever — wait.ExponentialBackoff with {2 s, ×2, jitter 0.1,
 * 5 steps}, then PollInfinite(32 s). `attempt` counts the attempts already made (1 after the first).
 */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  if (attempt >= 1 && attempt <= 4) {
    const base = 2_000 * 2 ** (attempt - 1);
    return base * (1 + 0.1 * random());
  }
  return 32_000;
}

/** How long one request waits to be approved and signed before a new one is made (certificateWaitTimeout). */
export const CERTIFICATE_WAIT_TIMEOUT_MS = 15 * 60_000;
