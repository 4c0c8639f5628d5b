/** Sends `POST /v1/messages` with JSON `body` to a proxy (or fake) at `baseUrl`, as an SDK would, and reads the answer. */
export async function postMessages(
  baseUrl: string,
  body: Record<string, unknown>,
  apiKey = 'sk-ant-test',
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${baseUrl}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}
