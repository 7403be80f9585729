namespace Hyperproxy.Modules.Dispatcher;

/// <summary>A destination's state, as the table's <c>state</c> column and OpenSIPS's MI name it.</summary>
public static class DispatcherState
{
    public const byte Active = 0;
    public const byte Inactive = 1;
    public const byte Probing = 2;

    public static string Name(byte state) => state switch
    {
        Inactive => "Inactive",
        Probing => "Probing",
        _ => "Active",
    };

    /// <summary>ds_mark_dst / ds_set_state letters and digits: i/I/0 inactive, a/A/1 active, p/P/2 probing.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out byte state)
    {
        state = Active;
        if (text.Length != 1)
        {
            return false;
        }

        switch (text[0])
        {
            case 'i' or 'I' or '0': state = Inactive; return true;
            case 'a' or 'A' or '1': state = Active; return true;
            case 'p' or 'P' or '2': state = Probing; return true;
            default: return false;
        }
    }
}
