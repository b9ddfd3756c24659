// Who is signed in, and the calls that sign in and out.
import { useQuery } from "@tanstack/react-query";
import { api, ApiError, type Schemas } from "../../api/client";

export type Me = Schemas["UserOut"] & { email?: string | null; is_admin?: boolean; role?: string };
export type SignupMode = Schemas["AuthConfig"]["signup"];

export function useMe() {
  return useQuery({
    queryKey: ["me"],
    queryFn: () => api<Me>("/v1/me"),
    retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
    staleTime: 60_000,
  });
}

export function isAdmin(me: Me | undefined): boolean {
  return Boolean(me && (me.is_admin || me.role === "admin" || me.tier === "admin"));
}

export function useSignupMode() {
  return useQuery({
    queryKey: ["auth-config"],
    queryFn: async (): Promise<SignupMode> => (await api<Schemas["AuthConfig"]>("/v1/auth/config")).signup,
    staleTime: Infinity,
  });
}

export const login = (email: string, password: string) =>
  api<Me>("/v1/auth/login", { method: "POST", body: { email, password } });

export const signup = (body: { email: string; password: string; name: string; invite_token?: string }) =>
  api<Me>("/v1/auth/signup", { method: "POST", body });

export const logout = () => api<void>("/v1/auth/logout", { method: "POST" });
