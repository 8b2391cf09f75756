/** A small JSON client for the REST API, as a user's script would call it. */
export class ApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string | null,
  ) {}

  withToken(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(this.baseUrl + path, {
      method,
      headers: {
        ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Creates a tenant and an API key for it with the operator token; returns a client using the key. */
  async createTenant(
    name: string,
  ): Promise<{ tenantId: string; apiKey: string; client: ApiClient }> {
    const tenant = await this.request<{ id: string }>('POST', '/v1/tenants', { name });
    if (tenant.status !== 201)
      throw new Error(`tenant create failed: ${JSON.stringify(tenant.body)}`);
    const key = await this.request<{ key: string }>(
      'POST',
      `/v1/tenants/${tenant.body.id}/api-keys`,
      { name: 'test' },
    );
    if (key.status !== 201) throw new Error(`api key create failed: ${JSON.stringify(key.body)}`);
    return { tenantId: tenant.body.id, apiKey: key.body.key, client: this.withToken(key.body.key) };
  }
}
