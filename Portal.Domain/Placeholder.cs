namespace Portal.Domain; internal static class Placeholder { }
