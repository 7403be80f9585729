using System.Reflection;
using Hyperproxy.Script.Binding;
using Hyperproxy.Script.Declarations;
using Hyperproxy.Script.Parsing;
using Hyperproxy.Script.Text;

namespace Hyperproxy.Script;

/// <summary>
/// Loads a routing script: lex, parse (with include_file/import_file), bind against the
/// function and pseudo-variable registries. Either a <see cref="ScriptProgram"/> or every
/// error found (up to <see cref="DiagnosticBag.DefaultLimit"/>), sorted by position.
/// </summary>
public static class ScriptLoader
{
    /// <summary>File name under which the built-in default script is reported.</summary>
    public const string DefaultScriptName = "default.cfg";

    private const string DefaultScriptResource = "Hyperproxy.Script.DefaultScript.cfg";

    /// <summary>The built-in default script (what <c>hyperproxy default-config</c> prints).</summary>
    public static string DefaultScriptText { get; } = ReadDefaultScript();

    /// <summary>Loads a file with the core functions only (modules register through Hyperproxy.Modules' catalog).</summary>
    public static ScriptLoadResult Load(string path) =>
        Load(path, FunctionRegistry.CreateDefault(), PseudoVariableRegistry.CreateDefault());

    public static ScriptLoadResult Load(string path, FunctionRegistry functions, PseudoVariableRegistry variables)
    {
        string? text = Parser.ReadFileOrNull(path);
        if (text is null)
        {
            var diagnostic = new ScriptDiagnostic(new SourceLocation(path, 0, 0), "cannot read the script file");
            return new ScriptLoadResult(null, [diagnostic]);
        }

        return LoadFromText(text, path, functions, variables);
    }

    /// <summary>Loads script text with the core functions only; <paramref name="fileName"/> names it in errors and anchors relative includes.</summary>
    public static ScriptLoadResult LoadFromText(string text, string fileName) =>
        LoadFromText(text, fileName, FunctionRegistry.CreateDefault(), PseudoVariableRegistry.CreateDefault());

    public static ScriptLoadResult LoadFromText(string text, string fileName, FunctionRegistry functions, PseudoVariableRegistry variables,
        Func<string, string?>? readFile = null)
    {
        var diagnostics = new DiagnosticBag();
        var syntax = Parser.ParseText(text, fileName, diagnostics, readFile);
        var program = new Binding.Binder(functions, variables, diagnostics).Bind(syntax);
        return diagnostics.HasErrors
            ? new ScriptLoadResult(null, diagnostics.ToSortedList(), diagnostics.Warnings)
            : new ScriptLoadResult(program, [], diagnostics.Warnings);
    }

    /// <summary>Loads the built-in default script.</summary>
    public static ScriptLoadResult LoadDefault(FunctionRegistry functions, PseudoVariableRegistry variables) =>
        LoadFromText(DefaultScriptText, DefaultScriptName, functions, variables);

    private static string ReadDefaultScript()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(DefaultScriptResource)
            ?? throw new InvalidOperationException($"embedded resource {DefaultScriptResource} is missing");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
