using Hyperproxy.Management.Http;

namespace Hyperproxy.Management.Mi;

/// <summary>
/// mi_http: <c>POST /&lt;root&gt;</c> with a JSON-RPC body. 200 with the JSON-RPC answer (errors included),
/// 202 for a notification, 405 for another method, 400 for an empty body (OpenSIPS's mi_http).
/// </summary>
public sealed class MiHttpRoute(MiDispatcher dispatcher) : IHttpRoute
{
    public HttpResponse? Handle(HttpRequest request)
    {
        if (request.Method != "POST")
        {
            var refused = HttpResponse.Text(405, "MI takes POST with a JSON-RPC 2.0 body");
            refused.Headers.Add("Allow: POST");
            return refused;
        }

        if (request.Body.Length == 0)
            return HttpResponse.Text(400, "empty body: send a JSON-RPC 2.0 request");
        byte[]? answer = dispatcher.Handle(request.Body);
        return answer is null ? new HttpResponse(202, "application/json", []) : HttpResponse.Json(200, answer);
    }
}
