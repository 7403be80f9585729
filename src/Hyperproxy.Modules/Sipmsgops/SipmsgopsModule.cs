using Hyperproxy.Script.Builtins;
using Hyperproxy.Script.Declarations;
using static Hyperproxy.Script.Builtins.Declare;

namespace Hyperproxy.Modules.Sipmsgops;

/// <summary>
/// The sipmsgops module (OpenSIPS <c>modules/sipmsgops</c>): tests and header edits on the message.
/// Bodies: <see cref="MethodTests"/>, <see cref="HeaderEdits"/>, <see cref="UriTests"/>.
/// </summary>
public sealed class SipmsgopsModule
{
    public const string Name = "sipmsgops";

    private const RouteTypes AnyMessage = RouteTypes.AnyMessage;
    private const RouteTypes Requests = RouteTypes.Request | RouteTypes.Failure | RouteTypes.Branch | RouteTypes.Error | RouteTypes.Local;

    public SipmsgopsModule()
    {
        Exports = new ModuleDeclaration(Name,
        [
            Function("is_method", 1, AnyMessage, MethodTests.IsMethod, MethodTests.PrepareMethods,
                Param("methods", ParameterKind.String, Fixups.MethodList)),
            Function("has_totag", 0, AnyMessage, UriTests.HasToTag),
            Function("append_hf", 1, AnyMessage, HeaderEdits.AppendHeader, HeaderEdits.PrepareHeaderName(1),
                Param("header", ParameterKind.Format), Param("after", ParameterKind.String, Fixups.HeaderName)),
            Function("insert_hf", 1, AnyMessage, HeaderEdits.InsertHeader, HeaderEdits.PrepareHeaderName(1),
                Param("header", ParameterKind.Format), Param("before", ParameterKind.String, Fixups.HeaderName)),
            Function("remove_hf", 1, AnyMessage, HeaderEdits.RemoveHeader, HeaderEdits.PrepareHeaderName(0),
                Param("name", ParameterKind.String, Fixups.HeaderName)),
            Function("is_present_hf", 1, AnyMessage, HeaderEdits.IsPresent, HeaderEdits.PrepareHeaderName(0),
                Param("name", ParameterKind.String, Fixups.HeaderName)),
            Function("append_to_reply", 1, RouteTypes.Request | RouteTypes.Error | RouteTypes.Failure | RouteTypes.Branch, HeaderEdits.AppendToReply,
                Param("header", ParameterKind.Format)),
            Function("sipmsg_validate", 0, AnyMessage, MessageValidation.Validate,
                Param("flags", ParameterKind.Format, MessageValidation.FlagsFixup), Param("err_var", ParameterKind.WritableVariable)),
            Function("ruri_has_param", 1, Requests, UriTests.RuriHasParam, Param("name", ParameterKind.String), Param("value", ParameterKind.Format)),
        ],
        []);
    }

    public ModuleDeclaration Exports { get; }
}
